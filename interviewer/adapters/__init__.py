"""Adapters: the modules that talk to the outside (model servers, vector store, SQLite, audio).

Each heavy library is imported by exactly one of them (ruff banned-api in pyproject.toml).
"""

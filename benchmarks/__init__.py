"""Benchmarks: each module measures one figure family and returns rows for the table."""

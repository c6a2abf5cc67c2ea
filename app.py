"""Entry point for `make run`: builds the Gradio app from wiring and serves it on 127.0.0.1."""

import sys

from interviewer.ui.server import serve

if __name__ == "__main__":
    serve(fake="--fake" in sys.argv, offline="--offline" in sys.argv)

"""Entry for `python -m deskapp`: hands argv to the command line."""

import sys

from deskapp.cli import main

if __name__ == "__main__":  # spawned worker processes import this module without running the CLI
    sys.exit(main())

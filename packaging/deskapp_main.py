"""Entry script of the frozen bundle: the same command line as `deskapp` from pip."""

import sys

from deskapp.cli import main

if __name__ == "__main__":
    sys.exit(main())

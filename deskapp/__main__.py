"""Entry for `python -m deskapp`: hands argv to the command line."""

import sys

from deskapp.cli import main

sys.exit(main())

"""The command line (the GUI launch and the headless verbs), one module per verb group; ``main`` is the entry.

Importing this package stays cheap (argparse and the verbs' parsers): `deskapp --version` and `--help`
answer before any database, network or Qt library is loaded.
"""

from deskapp.cli.entry import TABS, build_parser, main

__all__ = ["TABS", "build_parser", "main"]

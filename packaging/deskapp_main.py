"""Entry script of the frozen bundle: the same command line as `deskapp` from pip."""

import multiprocessing
import sys

from deskapp.cli import main

if __name__ == "__main__":
    # A worker process that reads mail (connectors.imap_smtp.read_pool) starts as this executable: it must
    # run the worker, not the app.
    multiprocessing.freeze_support()
    sys.exit(main())

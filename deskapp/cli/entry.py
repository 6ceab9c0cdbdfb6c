"""The command line's parser and dispatch, for `deskapp`, `python -m deskapp` and the frozen bundle.

Every verb prints its result on stdout (JSON with --json), progress and errors on stderr, and exits
non-zero with a one-line message when something is wrong. Nothing heavy is imported here: `--version`
and `--help` only build the parser, and each verb imports what it needs when it runs. A verb says how it
opens the data folder (``opens``): the full workspace (migrations, queued work restored), the workspace
for reading (no migration when the cache is current), or the bare cache reader `search` uses.
"""

from __future__ import annotations

import argparse
import os
import sys

from deskapp import __version__
from deskapp.cli import accounts, inbox, kpi, offline, search, sync, triage
from deskapp.cli.opening import WORKSPACE, open_data
from deskapp.demo import runner as demo_runner

TABS = ("inbox", "me", "team", "templates", "settings")  # the main screens (ui.main_window.TAB_NAMES)


def window_size(text: str) -> tuple[int, int]:
    """``--window-size 1440x860`` -> (1440, 860)."""
    width, sep, height = text.lower().partition("x")
    try:
        size = (int(width), int(height)) if sep else None
    except ValueError:
        size = None
    if size is None or not (320 <= size[0] <= 10_000 and 240 <= size[1] <= 10_000):
        raise argparse.ArgumentTypeError(f"{text!r} is not a window size like 1440x860")
    return size


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deskapp", description="Help-desk client for e-commerce support.")
    parser.add_argument("--version", action="version", version=f"deskapp {__version__}")
    parser.add_argument("--data-dir", help="data folder (default: DESKAPP_DATA_DIR or the OS's data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    parser.add_argument("--demo", action="store_true", help="start the embedded demo backend and use it")
    parser.add_argument("--as", dest="demo_role", choices=["agent", "supervisor"],
                        help="with --demo: sign in as the demo's agent (the default) or its supervisor, who also"
                             " sees Team performance")
    parser.add_argument("--screenshot", metavar="FILE", help="save a PNG of the main window and exit")
    parser.add_argument("--tab", choices=TABS, help="the screen to open (and to --screenshot): inbox (default),"
                                                    " me (My performance), team, templates or settings")
    parser.add_argument("--window-size", type=window_size, metavar="WxH",
                        help="the window's size in pixels, e.g. 1440x860")
    parser.add_argument("--smoke", action="store_true", help="start, open the main window, exit 0")
    parser.set_defaults(run=None, opens=WORKSPACE)
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    inbox.add_parsers(sub)
    accounts.add_parsers(sub)
    sync.add_parsers(sub)
    search.add_parsers(sub)
    offline.add_parsers(sub)
    kpi.add_parsers(sub)
    triage.add_parsers(sub)
    demo_runner.add_arguments(sub.add_parser("demo-server", help="run the demo Chatwoot + Shopify backend"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.demo_role and not args.demo:
        parser.error("--as goes with --demo (the demo's agent or supervisor)")
    if args.verb == "demo-server":  # a server, not a cache user: no data folder needed
        return demo_runner.run(args)
    try:
        ws = open_data(args.opens, args.data_dir, verbose=args.verbose)
    except Exception as exc:  # a clear message beats a traceback for a broken data folder
        print(f"deskapp: cannot open the data folder: {exc}", file=sys.stderr)
        return 2
    try:
        if args.verb is None:
            from deskapp import bootstrap  # Qt is imported only when a window is wanted

            return bootstrap.run_gui(ws, vars(args))
        return args.run(ws, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `deskapp kpi | head`: the reader left; stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        ws.close()


"""The command line's parser and dispatch, for `deskapp`, `python -m deskapp` and the frozen bundle.

Every verb prints its result on stdout (JSON with --json), progress and errors on stderr, and exits
non-zero with a one-line message when something is wrong. Nothing heavy is imported here: `--version`
and `--help` only build the parser, and each verb imports what it needs when it runs. A run names its
verb first to a parser of the top-level options alone, then builds the parser of that verb's module only
(`deskapp --help` builds them all); a plain `search` line skips argparse (cli.search.quick_args). A verb
says how it opens the data folder (``opens``): the full workspace (migrations, queued work restored), the
workspace for reading (no migration when the cache is current), or the bare cache reader `search` uses.
"""

from __future__ import annotations

import importlib
import os
import sys

from deskapp import __version__
from deskapp.cli.opening import WORKSPACE, open_data

TYPE_CHECKING = False  # not typing's: importing typing is a noticeable part of `deskapp search`'s start-up
if TYPE_CHECKING:
    import argparse

TABS = ("inbox", "me", "team", "hub", "floor", "templates", "settings")  # the main screens (ui.main_window.TAB_NAMES)
# Each verb and the module of deskapp/cli that adds its parser and runs it, in the order `--help` lists them
# ("demo-server" is the demo package's own runner).
VERB_MODULES = {
    "stats": "inbox", "conversations": "inbox", "account": "accounts", "sync": "sync", "search": "search",
    "not-imported": "not_imported", "act": "offline", "outbox": "offline", "kpi": "kpi", "import": "kpi",
    "triage": "triage", "order": "order", "bot": "bot", "demo-server": "demo",
}


def window_size(text: str) -> tuple[int, int]:
    """``--window-size 1440x860`` -> (1440, 860)."""
    width, sep, height = text.lower().partition("x")
    try:
        size = (int(width), int(height)) if sep else None
    except ValueError:
        size = None
    if size is None or not (320 <= size[0] <= 10_000 and 240 <= size[1] <= 10_000):
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not a window size like 1440x860")
    return size


def _add_top_level_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"deskapp {__version__}")
    parser.add_argument("--data-dir", help="data folder (default: DESKAPP_DATA_DIR or the OS's data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    parser.add_argument("--demo", action="store_true", help="start the embedded demo backend and use it")
    parser.add_argument("--as", dest="demo_role", choices=["agent", "supervisor"],
                        help="with --demo: sign in as the demo's agent (the default) or its supervisor, who also"
                             " sees Team performance")
    parser.add_argument("--demo-floor", type=int, default=0, metavar="N",
                        help="with --demo: a floor of N agents with availability (default: the seeded eight)")
    parser.add_argument("--bot", action="store_true",
                        help="with --demo: run `deskapp bot` beside the demo hub; a customer soon asks it where"
                             " order #1234 is")
    parser.add_argument("--screenshot", metavar="FILE", help="save a PNG of the main window and exit")
    parser.add_argument("--tab", choices=TABS, help="the screen to open (and to --screenshot): inbox (default),"
                                                    " me (My performance), team, hub (team figures from the hub),"
                                                    " floor (supervisors),"
                                                    " templates or settings")
    parser.add_argument("--window-size", type=window_size, metavar="WxH",
                        help="the window's size in pixels, e.g. 1440x860")
    parser.add_argument("--smoke", action="store_true", help="start, open the main window, exit 0")


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``verb``, the top level and that verb's module only (all a run needs)."""
    import argparse

    parser = argparse.ArgumentParser(prog="deskapp", description="Help-desk client for e-commerce support.")
    _add_top_level_options(parser)
    parser.set_defaults(run=None, opens=WORKSPACE)
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    wanted = VERB_MODULES.get(verb or "")
    for module in dict.fromkeys(VERB_MODULES.values()):
        if wanted is None or module == wanted:
            _add_verbs(module, sub)
    return parser


def _add_verbs(module: str, sub) -> None:
    if module == "demo":
        from deskapp.demo import runner

        runner.add_arguments(sub.add_parser("demo-server", help="run the demo Chatwoot + Shopify backend"))
    else:
        importlib.import_module(f"deskapp.cli.{module}").add_parsers(sub)


def verb_of(argv: list[str]) -> str | None:
    """The verb ``argv`` names, read with the top-level options alone; None when it names none (or the
    line is wrong: the whole parser then says what is wrong with it)."""
    import argparse

    shell = argparse.ArgumentParser(prog="deskapp", add_help=False, exit_on_error=False)
    _add_top_level_options(shell)
    # a plain positional, not subparsers: an empty parser per verb would cost as much as the whole search
    shell.add_argument("verb", nargs="?", choices=tuple(VERB_MODULES))
    try:
        found, _rest = shell.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    return found.verb


def _plain_search(argv: list[str]):
    if "search" not in argv:
        return None
    from deskapp.cli.search import quick_args

    return quick_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _plain_search(argv)
    if args is None:
        parser = build_parser(verb_of(argv))
        args = parser.parse_args(argv)
        if args.demo_role and not args.demo:
            parser.error("--as goes with --demo (the demo's agent or supervisor)")
        if args.demo_floor and not (args.demo and 8 <= args.demo_floor <= 2000):
            parser.error("--demo-floor goes with --demo and takes 8 to 2000 agents")
        if args.demo_floor:
            args.demo_options = {"floor_agents": args.demo_floor}
        if getattr(args, "bot", False) and not args.demo:
            parser.error("--bot goes with --demo (the bot runs beside the demo hub)")
    if args.verb == "demo-server":  # a server, not a cache user: no data folder needed
        from deskapp.demo import runner

        return runner.run(args)
    if args.opens is None:  # a service of its own (`bot`): no data folder
        return args.run(None, args)
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


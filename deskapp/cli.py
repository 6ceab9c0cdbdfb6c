"""The command line: the GUI launch and the headless verbs scripts and tests use.

Every verb prints its result on stdout (JSON with --json), progress and errors on stderr, and exits
non-zero with a one-line message when something is wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from deskapp import __version__, bootstrap, cli_copilot, cli_kpi, cli_offline, cli_sync
from deskapp.cli_output import print_json
from deskapp.demo import runner as demo_runner


class UsageError(Exception):
    """A user mistake with a message worth printing as it is."""


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


# --- verbs -------------------------------------------------------------------------------------


def _cmd_stats(ws: bootstrap.Workspace, args: argparse.Namespace) -> int:
    from deskapp.services.stats import workspace_stats

    stats = workspace_stats(ws.db)
    if args.json:
        print_json(stats)
    else:
        for key in ("conversations", "messages", "customers", "orders"):
            print(f"{key:>14}: {stats[key]}")
        for acc in stats["accounts"]:
            print(f"  account {acc['id']} {acc['kind']:<10} {acc['state']:<12} last sync {acc['last_sync'] or '-'}")
    return 0


def _cmd_conversations(ws: bootstrap.Workspace, args: argparse.Namespace) -> int:
    from deskapp.services.inbox import list_conversations

    items = list_conversations(ws.db, status=args.status, limit=args.limit)
    if args.json:
        print_json(items)
    else:
        for c in items:
            print(f"{c['id']:>7} {c['channel']:<10} {c['status']:<9} {c['customer'][:24]:<24} {c['subject'][:60]}")
    return 0


# --- parser ------------------------------------------------------------------------------------


VERBS: dict[str, Callable[[bootstrap.Workspace, argparse.Namespace], int]] = {
    "stats": _cmd_stats,
    "conversations": _cmd_conversations,
}
VERBS.update(cli_sync.VERBS)  # account, sync, search
VERBS.update(cli_offline.VERBS)  # act, outbox
VERBS.update(cli_kpi.VERBS)  # kpi, import
VERBS.update(cli_copilot.VERBS)  # triage


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
    sub = parser.add_subparsers(dest="verb", metavar="VERB")

    p = sub.add_parser("stats", help="counts of what the cache holds, and each account's state")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("conversations", help="conversations in the cache, newest first")
    p.add_argument("--status", choices=["open", "pending", "snoozed", "resolved"])
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    cli_sync.add_parsers(sub)
    cli_offline.add_parsers(sub)
    cli_kpi.add_parsers(sub)
    cli_copilot.add_parsers(sub)
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
        ws = bootstrap.open_workspace(args.data_dir, verbose=args.verbose)
    except Exception as exc:  # a clear message beats a traceback for a broken data folder
        print(f"deskapp: cannot open the data folder: {exc}", file=sys.stderr)
        return 2
    try:
        if args.verb is None:
            return bootstrap.run_gui(ws, vars(args))
        return VERBS[args.verb](ws, args)
    except UsageError as exc:
        print(f"deskapp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `deskapp kpi | head`: the reader left; stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        ws.close()

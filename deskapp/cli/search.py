"""The `search` verb of the command line (registered by deskapp.cli.entry): messages, customers and order numbers.

It reads the cache through the bare cache reader (no ORM, no migration when the cache is current),
so a shell pipeline pays for little more than the query itself. A plain search line (``quick_args``) is
read without argparse, whose imports (gettext, locale, shutil and the compressors) cost more than the
query; anything else on the line, `--help` included, goes to the verb's argparse parser.
"""

from __future__ import annotations

import sys

from deskapp.cli.opening import CACHE_READER
from deskapp.cli.output import print_json

TYPE_CHECKING = False  # not typing's: importing typing is a noticeable part of this verb's start-up
if TYPE_CHECKING:
    import argparse

DEFAULT_LIMIT = 20


def _cmd_search(cache, args: argparse.Namespace) -> int:
    from deskapp.services.search import search

    hits = search(cache, args.query, limit=args.limit)
    if args.json:
        print_json([h.as_dict() for h in hits])
        return 0
    for h in hits:
        where = f"conversation {h.conversation_id}" if h.conversation_id else "no conversation"
        print(f"{h.kind:<8} {where:<22} {h.customer or '-':<24} {h.snippet}")
    if not hits:
        print("no matches", file=sys.stderr)
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("search", help="search messages, customers and order numbers")
    p.add_argument("query")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT)
    p.set_defaults(run=_cmd_search, opens=CACHE_READER)


class QuickArgs:
    """What argparse would have made of a plain search line: the same attributes, the same values."""

    def __init__(self, query: str, data_dir: str | None, verbose: bool, json: bool, limit: int) -> None:
        self.verb, self.run, self.opens = "search", _cmd_search, CACHE_READER
        self.query, self.data_dir, self.verbose, self.json, self.limit = query, data_dir, verbose, json, limit
        self.demo, self.demo_role, self.screenshot, self.tab, self.window_size, self.smoke = (
            False, None, None, None, None, False)
        self.bot, self.demo_floor = False, 0


def _int(text: str) -> int | None:
    stripped = text.strip()
    digits = stripped[1:] if stripped[:1] in "+-" else stripped
    return int(stripped) if digits.isascii() and digits.isdigit() else None


def quick_args(argv: list[str]) -> QuickArgs | None:
    """``[--data-dir DIR] [-v] search QUERY [--json] [--limit N]`` (options in any order, ``--opt=value``
    too) read by hand; None for any other line, which argparse then reads (and explains when it is wrong)."""
    data_dir, verbose, json, limit = None, False, False, DEFAULT_LIMIT
    query: str | None = None
    seen_verb = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in ("--data-dir", "--limit") and (eq or i + 1 < len(argv)):
            value = inline if eq else argv[i + 1]
            if not eq and value.startswith("-"):
                return None  # argparse reads a value that looks like an option as a missing value
            i += 1 if eq else 2
            if name == "--data-dir" and not seen_verb:
                data_dir = value
            elif name == "--limit" and seen_verb and _int(value) is not None:
                limit = _int(value)  # type: ignore[assignment]
            else:
                return None
            continue
        if eq or not arg or (arg.startswith("-") and arg not in ("-v", "--verbose", "--json")):
            return None  # "--", "-h", abbreviations, "-" and any other option: argparse's to read
        if arg in ("-v", "--verbose") and not seen_verb:
            verbose = True
        elif arg == "--json" and seen_verb:
            json = True
        elif arg == "search" and not seen_verb:
            seen_verb = True
        elif seen_verb and query is None and not arg.startswith("-"):
            query = arg
        else:
            return None
        i += 1
    return QuickArgs(query, data_dir, verbose, json, limit) if query is not None else None

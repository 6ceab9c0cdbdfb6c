"""The `search` verb of the command line (registered by deskapp.cli.entry): messages, customers and order numbers.

It reads the cache through the bare cache reader (no ORM, no migration when the cache is current),
so a shell pipeline pays for little more than the query itself.
"""

from __future__ import annotations

import argparse
import sys

from deskapp.cli.opening import CACHE_READER
from deskapp.cli.output import print_json


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
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(run=_cmd_search, opens=CACHE_READER)

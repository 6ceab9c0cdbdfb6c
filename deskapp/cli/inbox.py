"""The `stats` and `conversations` verbs of the command line (registered by deskapp.cli.entry): what the cache holds."""

from __future__ import annotations

import argparse

from deskapp.cli.opening import READ
from deskapp.cli.output import print_json


def _cmd_stats(ws, args: argparse.Namespace) -> int:
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


def _cmd_conversations(ws, args: argparse.Namespace) -> int:
    from deskapp.services.inbox import list_conversations

    items = list_conversations(ws.db, status=args.status, limit=args.limit)
    if args.json:
        print_json(items)
    else:
        for c in items:
            print(f"{c['id']:>7} {c['channel']:<10} {c['status']:<9} {c['customer'][:24]:<24} {c['subject'][:60]}")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("stats", help="counts of what the cache holds, and each account's state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_stats, opens=READ)
    p = sub.add_parser("conversations", help="conversations in the cache, newest first")
    p.add_argument("--status", choices=["open", "pending", "snoozed", "resolved"])
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_conversations, opens=READ)

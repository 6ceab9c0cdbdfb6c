"""The `not-imported` verb of the command line (registered by deskapp.cli.entry): the mailbox messages the sync
could not import, with their reason, and their raw source saved on request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deskapp.cli.opening import READ
from deskapp.cli.output import print_json


def _cmd_not_imported(ws, args: argparse.Namespace) -> int:
    """Lists the messages not imported (exit 1 when there are some); ``--save DIR`` writes their sources."""
    from deskapp.services import mail_problems

    failures = mail_problems.import_failures(ws.db, args.account)
    saved: dict[int, str] = {}
    if args.save:
        for failure in failures:
            try:
                saved[failure.id] = str(mail_problems.save_raw_source(ws.db, failure, Path(args.save)))
            except (mail_problems.MailProblemError, OSError) as exc:
                saved[failure.id] = f"not saved: {exc}"
    for f in failures:
        if args.json:
            print_json({"account_id": f.account_id, "folder": f.folder, "uid": f.uid, "reason": f.reason,
                        "attempts": f.attempts, "source_bytes": f.raw_size, "saved": saved.get(f.id)})
        else:
            print(f"account {f.account_id} {f.folder} uid {f.uid}: {f.reason} (tried {f.attempts} times)"
                  + (f" -> {saved[f.id]}" if f.id in saved else ""))
    if not failures and not args.json:
        print("every message imported", file=sys.stderr)
    return 1 if failures else 0


def add_parsers(sub) -> None:
    p = sub.add_parser("not-imported", help="mailbox messages the sync could not import, and why")
    p.add_argument("--account", type=int, help="only this account id")
    p.add_argument("--save", metavar="DIR", help="write each message's raw source (.eml) into DIR")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_not_imported, opens=READ)

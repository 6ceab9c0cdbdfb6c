"""The `sync` verb of the command line (registered by deskapp.cli.entry): pull every account once or keep syncing."""

from __future__ import annotations

import argparse
import sys

from deskapp.cli.output import fail, print_json


def _progress(event) -> None:
    total = f" ({event.done}/{event.total})" if event.total > 1 else ""
    print(f"account {event.account_id}: {event.state}: {event.message}{total}", file=sys.stderr, flush=True)


def _cmd_sync(ws, args: argparse.Namespace) -> int:
    from deskapp.bootstrap import build_sync_engine
    from deskapp.domain import Connectivity
    from deskapp.services import accounts as account_service

    engine = build_sync_engine(ws, on_event=_progress, interval=float(args.interval))
    known = {a.id for a in account_service.list_accounts(ws)}
    if not known:
        return fail("no accounts yet: add one with `deskapp account add ...`")
    if args.account is not None and args.account not in known:
        return fail(f"no account with id {args.account}")
    if args.once:
        ids = [args.account] if args.account is not None else sorted(known)
        summaries = [engine.sync_account_once(i) for i in ids]
        for s in summaries:
            if args.json:
                print_json(s.as_dict())
            else:
                print(f"account {s.account_id} ({s.kind}): {s.state}; {s.pages} pages, {s.records} records,"
                      f" {s.new_messages} new messages in {s.seconds:.1f}s"
                      + (f", {s.duplicates} copies of messages already held" if s.duplicates else "")
                      + (f", {s.not_imported} not imported" if s.not_imported else "")
                      + (f"; last error: {s.errors[-1]}" if s.errors else ""))
        return 0 if all(s.state == Connectivity.ONLINE for s in summaries) else 1
    from deskapp.services.hub_live import start_hub_live  # the hubs' sockets: their changes sync at once
    from deskapp.services.mail_push import start_mail_push  # IMAP IDLE: new mail syncs at once

    push = live = None
    # Ctrl+C may come at any point once the loops run: everything started is stopped in `finally`.
    try:
        if args.account is not None:
            engine.request_sync(args.account)
        else:
            engine.start()
        push = start_mail_push(ws, engine)
        live = start_hub_live(ws, engine)
        print("syncing; Ctrl+C stops", file=sys.stderr, flush=True)
        import threading

        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping...", file=sys.stderr, flush=True)
    finally:
        if push is not None:
            push.stop()
        if live is not None:
            live.stop()
        engine.stop()
    for a in account_service.list_accounts(ws):
        print(f"account {a.id} ({a.kind}): {a.state}; last sync {a.last_sync.isoformat() if a.last_sync else '-'}")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("sync", help="pull every account (progress on stderr, summary on stdout)")
    p.add_argument("--once", action="store_true", help="one pass, then exit (default: keep syncing)")
    p.add_argument("--account", type=int, help="only this account id")
    p.add_argument("--interval", type=float, default=30.0, help="seconds between passes without --once")
    p.add_argument("--json", action="store_true", help="summary as JSON lines")
    p.set_defaults(run=_cmd_sync)

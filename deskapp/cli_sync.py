"""The `account`, `sync`, `not-imported` and `search` verbs of the command line (registered by deskapp.cli).

Tokens are read from stdin when it is not a terminal (scripts pipe them in) and otherwise with a
prompt that does not echo; they go straight to the OS keyring.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import threading

from deskapp.cli_mail import cmd_not_imported
from deskapp.cli_output import fail, print_json
from deskapp.credentials.keyring_store import CredentialError
from deskapp.domain import AccountKind, Connectivity
from deskapp.services import accounts as account_service
from deskapp.services.runtime import build_sync_engine
from deskapp.services.search import search


def _read_token(label: str) -> str:
    if sys.stdin is None or not sys.stdin.isatty():
        return (sys.stdin.readline() if sys.stdin else "").strip()
    return getpass.getpass(f"{label} token: ").strip()


# --- account -------------------------------------------------------------------------------------


def _cmd_account(ws, args: argparse.Namespace) -> int:
    try:
        if args.account_verb == "add":
            return _account_add(ws, args)
        if args.account_verb == "list":
            accounts = [account_service.account_as_dict(a) for a in account_service.list_accounts(ws)]
            if args.json:
                print_json(accounts)
            else:
                for a in accounts:
                    print(f"{a['id']:>4}  {a['kind']:<10} {a['state']:<12} {a['name']}  {a['base_url']}"
                          f"  last sync {a['last_sync'] or '-'}")
            return 0
        if args.account_verb == "remove":
            account_service.remove_account(ws, args.id)
            print(f"removed account {args.id}")
            return 0
    except (account_service.AccountError, CredentialError) as exc:
        return fail(str(exc))
    return fail("say `account add`, `account list` or `account remove`")


def _account_add(ws, args: argparse.Namespace) -> int:
    if args.kind == "imap":  # email: its own options and a password, not a token
        from deskapp.cli_mail import account_add_imap

        return account_add_imap(ws, args)
    if args.kind == "chatwoot":
        url, settings = args.url, {"account_id": args.account_id}
    else:
        url, settings = args.shop, {}
    token = _read_token(args.kind)
    if not token:
        return fail("no token given (pipe it on stdin or type it at the prompt)")
    account_id = account_service.add_account(ws, AccountKind(args.kind), args.name or "", url, token, settings)
    print(account_id)
    return 0


# --- sync ----------------------------------------------------------------------------------------


def _progress(event) -> None:
    total = f" ({event.done}/{event.total})" if event.total > 1 else ""
    print(f"account {event.account_id}: {event.state}: {event.message}{total}", file=sys.stderr, flush=True)


def _cmd_sync(ws, args: argparse.Namespace) -> int:
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
    from deskapp.services.mail_push import start_mail_push  # IMAP IDLE: new mail syncs at once

    push = None
    # Ctrl+C may come at any point once the loops run: everything started is stopped in `finally`.
    try:
        if args.account is not None:
            engine.request_sync(args.account)
        else:
            engine.start()
        push = start_mail_push(ws, engine)
        print("syncing; Ctrl+C stops", file=sys.stderr, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping...", file=sys.stderr, flush=True)
    finally:
        if push is not None:
            push.stop()
        engine.stop()
    for a in account_service.list_accounts(ws):
        print(f"account {a.id} ({a.kind}): {a.state}; last sync {a.last_sync.isoformat() if a.last_sync else '-'}")
    return 0


# --- search --------------------------------------------------------------------------------------


def _cmd_search(ws, args: argparse.Namespace) -> int:
    hits = search(ws.db, args.query, limit=args.limit)
    if args.json:
        print_json([h.as_dict() for h in hits])
        return 0
    for h in hits:
        where = f"conversation {h.conversation_id}" if h.conversation_id else "no conversation"
        print(f"{h.kind:<8} {where:<22} {h.customer or '-':<24} {h.snippet}")
    if not hits:
        print("no matches", file=sys.stderr)
    return 0


VERBS = {"account": _cmd_account, "sync": _cmd_sync, "search": _cmd_search, "not-imported": cmd_not_imported}


def add_parsers(sub) -> None:
    """Adds the account, sync and search subcommands to deskapp's argparse subparsers."""
    p = sub.add_parser("account", help="add, list or remove accounts (tokens go to the OS keyring)")
    acc = p.add_subparsers(dest="account_verb", metavar="ACTION")
    add = acc.add_parser("add", help="add an account; the token is read from stdin or a prompt")
    kinds = add.add_subparsers(dest="kind", metavar="KIND", required=True)
    cw = kinds.add_parser("chatwoot", help="a Chatwoot account")
    cw.add_argument("--url", required=True, help="Chatwoot base URL, e.g. https://app.chatwoot.com")
    cw.add_argument("--account-id", required=True, type=int, help="the numeric account id")
    cw.add_argument("--name", default="")
    sh = kinds.add_parser("shopify", help="a Shopify shop")
    sh.add_argument("--shop", required=True, help="the shop URL, e.g. https://example.myshopify.com")
    sh.add_argument("--name", default="")
    from deskapp.cli_mail import add_imap_parser

    add_imap_parser(kinds)
    ls = acc.add_parser("list", help="configured accounts and their sync state")
    ls.add_argument("--json", action="store_true")
    rm = acc.add_parser("remove", help="remove an account, what was synced from it, and its token")
    rm.add_argument("id", type=int)

    p = sub.add_parser("sync", help="pull every account (progress on stderr, summary on stdout)")
    p.add_argument("--once", action="store_true", help="one pass, then exit (default: keep syncing)")
    p.add_argument("--account", type=int, help="only this account id")
    p.add_argument("--interval", type=float, default=30.0, help="seconds between passes without --once")
    p.add_argument("--json", action="store_true", help="summary as JSON lines")

    from deskapp.cli_mail import add_not_imported_parser

    add_not_imported_parser(sub)
    p = sub.add_parser("search", help="search messages, customers and order numbers")
    p.add_argument("query")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=20)

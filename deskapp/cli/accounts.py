"""The `account` verbs of the command line (registered by deskapp.cli.entry): add, list and remove accounts.

Tokens are read from stdin when it is not a terminal (scripts pipe them in) and otherwise with a
prompt that does not echo; they go straight to the OS keyring.
"""

from __future__ import annotations

import argparse
import sys

from deskapp.cli import mail_account
from deskapp.cli.opening import READ
from deskapp.cli.output import fail, print_json


def _read_token(label: str) -> str:
    if sys.stdin is None or not sys.stdin.isatty():
        return (sys.stdin.readline() if sys.stdin else "").strip()
    import getpass

    return getpass.getpass(f"{label} token: ").strip()


def _cmd_account(ws, args: argparse.Namespace) -> int:
    from deskapp.credentials.keyring_store import CredentialError
    from deskapp.services import accounts as account_service

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
    from deskapp.domain import AccountKind
    from deskapp.services import accounts as account_service

    if args.kind == "imap":  # email: its own options and a password, not a token
        return mail_account.account_add_imap(ws, args)
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


def add_parsers(sub) -> None:
    p = sub.add_parser("account", help="add, list or remove accounts (tokens go to the OS keyring)")
    p.set_defaults(run=_cmd_account)
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
    mail_account.add_imap_parser(kinds)
    ls = acc.add_parser("list", help="configured accounts and their sync state")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(opens=READ)
    rm = acc.add_parser("remove", help="remove an account, what was synced from it, and its token")
    rm.add_argument("id", type=int)

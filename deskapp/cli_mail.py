"""The `account add imap` and `not-imported` verbs of the command line (registered by deskapp.cli_sync): a
mailbox account, and the mailbox messages the sync could not import (their raw source saved on request).

The password (or XOAUTH2 token with --auth xoauth2) is read from stdin when it is not a terminal,
else with a prompt that does not echo, and goes straight to the OS keyring.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from deskapp.cli_output import fail, print_json
from deskapp.credentials.keyring_store import CredentialError
from deskapp.services import mail_problems
from deskapp.services.mail_accounts import MailAccountError, add_imap_account


def _read_password() -> str:
    if sys.stdin is None or not sys.stdin.isatty():
        return (sys.stdin.readline() if sys.stdin else "").rstrip("\r\n")
    return getpass.getpass("Mailbox password: ")


def account_add_imap(ws, args: argparse.Namespace) -> int:
    password = _read_password()
    if not password.strip():
        print("deskapp: no password given (pipe it on stdin or type it at the prompt)", file=sys.stderr)
        return 2
    try:
        account_id = add_imap_account(
            ws, host=args.host, port=args.port, user=args.user, secret=password, security=args.security,
            smtp_host=args.smtp_host, smtp_port=args.smtp_port, smtp_security=args.smtp_security,
            name=args.name, email=args.email or (args.user if "@" in args.user else ""), auth=args.auth,
            folders=args.folders or None, sent_folder=args.sent_folder, ca_file=args.ca_file or "")
    except (MailAccountError, CredentialError) as exc:
        return fail(f"{exc}")
    print(account_id)
    return 0


def add_imap_parser(kinds) -> None:
    """``account add imap``: added to the account kinds by cli_sync."""
    p = kinds.add_parser("imap", help="a shared mailbox over IMAP + SMTP (password from stdin or a prompt)")
    p.add_argument("--host", required=True, help="IMAP server")
    p.add_argument("--port", type=int, default=None, help="IMAP port (993 for tls, 143 for starttls)")
    p.add_argument("--user", required=True, help="login name, usually the address")
    p.add_argument("--security", choices=("tls", "starttls", "plain"), default="tls",
                   help="plain is refused unless the host is a loopback address")
    p.add_argument("--smtp-host", default=None, help="SMTP server (default: the IMAP host)")
    p.add_argument("--smtp-port", type=int, default=None, help="SMTP port (465 for tls, 587 for starttls)")
    p.add_argument("--smtp-security", choices=("tls", "starttls", "plain"), default=None,
                   help="default: the same as --security")
    p.add_argument("--name", default="", help="display name of the account")
    p.add_argument("--email", default="", help="the mailbox's address (default: --user when it is one)")
    p.add_argument("--auth", choices=("password", "xoauth2"), default="password")
    p.add_argument("--folders", nargs="*", default=None, help="folders to sync (default: INBOX and Sent)")
    p.add_argument("--sent-folder", default="Sent")
    p.add_argument("--ca-file", default="", help="a CA certificate (PEM) to trust besides the system's")


def cmd_not_imported(ws, args: argparse.Namespace) -> int:
    """Lists the messages not imported (exit 1 when there are some); ``--save DIR`` writes their sources."""
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


def add_not_imported_parser(sub) -> None:
    p = sub.add_parser("not-imported", help="mailbox messages the sync could not import, and why")
    p.add_argument("--account", type=int, help="only this account id")
    p.add_argument("--save", metavar="DIR", help="write each message's raw source (.eml) into DIR")
    p.add_argument("--json", action="store_true")

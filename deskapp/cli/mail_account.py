"""The `account add imap` verb of the command line (registered by deskapp.cli.accounts): a mailbox account.

The password (or XOAUTH2 token with --auth xoauth2) is read from stdin when it is not a terminal,
else with a prompt that does not echo, and goes straight to the OS keyring.
"""

from __future__ import annotations

import argparse
import sys

from deskapp.cli.output import fail


def _read_password() -> str:
    if sys.stdin is None or not sys.stdin.isatty():
        return (sys.stdin.readline() if sys.stdin else "").rstrip("\r\n")
    import getpass

    return getpass.getpass("Mailbox password: ")


def account_add_imap(ws, args: argparse.Namespace) -> int:
    from deskapp.credentials.keyring_store import CredentialError
    from deskapp.services.mail_accounts import MailAccountError, add_imap_account

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
    """``account add imap``: added to the account kinds by deskapp.cli.accounts."""
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

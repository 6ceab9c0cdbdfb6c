"""Shared set-up of the email tests: a mailbox user on the test Dovecot, its account, and a sync engine."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from types import SimpleNamespace

from deskapp.connectors.imap_smtp.config import MailConfig
from deskapp.connectors.imap_smtp.imap import ImapSession
from deskapp.domain import AccountKind
from deskapp.services.mail_accounts import add_imap_account
from deskapp.services.profile_secrets import secret_store
from deskapp.store.profile import ProfileStore
from deskapp.sync.engine import SyncEngine
from deskapp.sync.mail_threading import link_mail_attachments, preprocess_mail
from tests.mail.conftest import PASSWORD

_numbers = itertools.count(1)


@dataclass
class Mailbox:
    user: str
    password: str
    account_id: int


def new_mailbox(dovecot, ws, *, smtp_port: int | None = None, password: str = PASSWORD, **settings) -> Mailbox:
    """A fresh Dovecot user (its own Maildir) and a deskapp account pointing at it."""
    user = f"support{next(_numbers)}@shop.example"
    dovecot.add_user(user, password)
    account_id = add_imap_account(ws, host="127.0.0.1", port=dovecot.port, user=user, secret=password,
                                  security="plain", smtp_port=smtp_port or 1, email=user,
                                  name=f"Support {user}", **settings)
    return Mailbox(user, password, account_id)


def inbox_session(dovecot, user: str) -> tuple[ImapSession, int]:
    """deskapp's IMAP session for ``user`` with INBOX selected, and the folder's UIDVALIDITY."""
    config = MailConfig.from_settings({"host": "127.0.0.1", "port": dovecot.port, "user": user,
                                       "security": "plain", "timeout": 5})
    session = ImapSession(config, lambda: PASSWORD)
    return session, session.select("INBOX")[b"UIDVALIDITY"]


def workspace(db) -> SimpleNamespace:
    """The cache, a profile beside it (where accounts are kept) and the keyring."""
    profile = ProfileStore(db.path.with_name("profile.sqlite3"))
    return SimpleNamespace(db=db, secrets=secret_store(profile), profile=profile)


def engine_for(ws, **kw) -> SyncEngine:
    return SyncEngine(ws.db, ws.secrets, preprocessors={AccountKind.IMAP_SMTP: preprocess_mail},
                      apply_hooks=[link_mail_attachments], **kw)


def rows(db, sql: str, *params):
    with db.read() as conn:
        return conn.exec_driver_sql(sql, params).all()


def scalar(db, sql: str, *params):
    with db.read() as conn:
        return conn.exec_driver_sql(sql, params).scalar()


def as_written(raw: bytes) -> bytes:
    """The message as its author wrote it: line ends as IMAP serves them (CRLF), without the trace fields
    servers add on the way (RFC 5322 3.6.7). Messages that differ only there are copies of one message."""
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    kept, tracing = [], False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not tracing:
                kept.append(line)
            continue
        tracing = line.split(b":", 1)[0].strip().lower() in (b"received", b"return-path")
        if not tracing:
            kept.append(line)
    return (b"\n".join(kept) + b"\n\n" + body).replace(b"\n", b"\r\n")

"""IMAP IDLE push for the running app: one watcher per mailbox account, each asking the sync engine for a
pass of its account as soon as the server reports new or changed mail (instead of the next poll).

The UI (or the CLI's long-running `sync`) calls ``start_mail_push(ws, engine)`` after ``engine.start()``
and ``stop()`` on the result when it shuts the engine down.
"""

from __future__ import annotations

import logging
from typing import Protocol

from deskapp.connectors.base import AuthError
from deskapp.connectors.imap_smtp import IdleWatcher, idle_watcher
from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind
from deskapp.store import accounts as account_store
from deskapp.store.engine import Database

log = logging.getLogger(__name__)


class _Workspace(Protocol):
    db: Database
    secrets: SecretStore


class _Engine(Protocol):
    def request_sync(self, account_id: int | None = None) -> None: ...


class MailPush:
    """The running watchers; ``stop()`` ends them all."""

    def __init__(self, watchers: dict[int, IdleWatcher]) -> None:
        self.watchers = watchers

    def stop(self) -> None:
        for watcher in self.watchers.values():
            watcher.stop()
        self.watchers.clear()


def start_mail_push(ws: _Workspace, engine: _Engine) -> MailPush:
    with ws.db.read() as conn:
        mailboxes = [a for a in account_store.list_accounts(conn) if a.kind == AccountKind.IMAP_SMTP]
    watchers: dict[int, IdleWatcher] = {}
    for account in mailboxes:
        try:
            wake = lambda account_id=account.id: engine.request_sync(account_id)  # noqa: E731 - bound per account
            watcher = idle_watcher(account, ws.secrets.get, wake)
        except AuthError as exc:  # settings need fixing: the sync pass reports it; no push for this one
            log.warning("no IDLE push for account %s: %s", account.id, exc)
            continue
        watchers[account.id] = watcher.start()
    return MailPush(watchers)

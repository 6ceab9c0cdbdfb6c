"""The cache's copies of the profile's accounts and settings, for bootstrap and the services that change them.

The cache keeps an ``account`` row per profile account because every synced row hangs off it (foreign
keys) and the sync engine keeps its state there (connectivity, last sync, last error); its ``setting``
table lets SQL in the cache (KPI targets, the replayer's "work offline") read the agent's settings.
Both are copies: the profile is the truth, written first, and the copies are made to match it at
every start (so a rebuilt cache gets them back at once).
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from deskapp.domain import Account
from deskapp.domain.sla import SETTING_SLA_TARGETS
from deskapp.store import accounts as account_store
from deskapp.store import sla_clock


def mirror_account(conn: Connection, account: Account, created_at: int) -> None:
    """Insert or update the cache row of one profile account; the cache's sync state columns are kept."""
    updated = conn.execute(text(
        "UPDATE account SET kind = :kind, name = :name, base_url = :url, settings = :settings WHERE id = :id"),
        {"id": account.id, "kind": str(account.kind), "name": account.name, "url": account.base_url,
         "settings": json.dumps(account.settings)}).rowcount
    if not updated:
        account_store.insert_account(conn, account.kind, account.name, account.base_url, account.settings,
                                     account_id=account.id, created_at=created_at)


def mirror_accounts(conn: Connection, accounts: list[Account], created_at: dict[int, int]) -> list[int]:
    """Make the cache's accounts those of the profile; returns the ids of cache accounts removed."""
    for account in accounts:
        mirror_account(conn, account, created_at.get(account.id, 0))
    wanted = {a.id for a in accounts}
    stale = [i for i in conn.execute(text("SELECT id FROM account")).scalars() if i not in wanted]
    for account_id in stale:  # removed from the profile while the cache was away (crash, other process)
        account_store.delete_account(conn, account_id)
    return stale


def copy_differs(conn: Connection, accounts: list[Account], values: dict[str, str]) -> bool:
    """Whether the cache's copies differ from these profile rows (a start-up with nothing to copy writes nothing)."""
    def config(a: Account) -> tuple[object, ...]:
        return a.id, a.kind, a.name, a.base_url, a.settings

    cached = [config(a) for a in account_store.list_accounts(conn)]
    if cached != [config(a) for a in sorted(accounts, key=lambda a: a.id)]:
        return True
    return dict(conn.execute(text("SELECT key, value FROM setting")).tuples().all()) != values


def put_setting(conn: Connection, key: str, value: str | None) -> None:
    """Copy one setting into the cache; None removes it. New SLA targets move every first-response deadline."""
    before = sla_clock.targets(conn) if key == SETTING_SLA_TARGETS else None
    if value is None:
        conn.execute(text("DELETE FROM setting WHERE key = :k"), {"k": key})
    else:
        conn.execute(text("INSERT INTO setting (key, value) VALUES (:k, :v)"
                          " ON CONFLICT(key) DO UPDATE SET value = excluded.value"), {"k": key, "v": value})
    if before is not None and sla_clock.targets(conn) != before:
        sla_clock.refresh_all(conn)


def mirror_settings(conn: Connection, values: dict[str, str]) -> None:
    """Make the cache's settings exactly the profile's."""
    before = sla_clock.targets(conn)
    conn.execute(text("DELETE FROM setting"))
    if values:
        conn.execute(text("INSERT INTO setting (key, value) VALUES (:k, :v)"),
                     [{"k": k, "v": v} for k, v in values.items()])
    if sla_clock.targets(conn) != before:
        sla_clock.refresh_all(conn)


def cached_settings(conn: Connection, prefix: str) -> dict[str, str]:
    """The cache's copies of the settings whose keys start with ``prefix``."""
    rows = conn.execute(text("SELECT key, value FROM setting WHERE substr(key, 1, :n) = :p"),
                        {"n": len(prefix), "p": prefix}).all()
    return {str(key): str(value) for key, value in rows}

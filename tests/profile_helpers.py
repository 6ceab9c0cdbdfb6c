"""Test helper: accounts a test wrote straight into the cache go into the profile too, as the app keeps them."""

from __future__ import annotations

from deskapp.store import accounts as account_store
from deskapp.store import profile_records
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore


def adopt_cache_accounts(db: Database, profile: ProfileStore) -> list[int]:
    """Copy the cache's account rows (same ids) into the profile; returns their ids."""
    with db.read() as conn:
        accounts = account_store.list_accounts(conn)
    with profile.write() as conn:
        for a in accounts:
            if profile_records.get_account(conn, a.id) is None:
                profile_records.insert_account(conn, a.kind, a.name, a.base_url, a.settings, account_id=a.id)
    return [a.id for a in accounts]

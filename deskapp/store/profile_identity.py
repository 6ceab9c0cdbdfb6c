"""The profile's stable random identity, which names its keyring entries, and the unscoped keyring entries it
may take over; for store.profile, the carry-over and the service that builds the secret store.

The identity is a UUID kept in the profile's meta table, so it travels with the file: a profile copied
aside or restored from a .bak keeps it, and with it its secrets; a new data folder gets its own.

Before secrets were scoped, every data folder named them ``account:<id>:<kind>``, so an old entry may
belong to any folder that had that account id. Only a profile that existed then can own one: when an
existing profile first gets its identity (or a pre-profile cache is carried into a new one), it claims
the entries of the accounts it has at that moment. A profile created since claims nothing, so a demo, a
test or a second workspace never takes another folder's secrets. When two old folders claim the same
entry, the first to start takes it (it held the secret of whichever folder had written it last).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable

from deskapp.store import profile_records as records

PROFILE_ID = "profile_id"
UNSCOPED_CLAIMS = "keyring.unscoped_claims"  # account ids whose unscoped entries this profile may take
AI_KEY_ACCOUNT = 0  # the AI endpoint's key is kept under account 0 (services.suggestions)
_AI_URL = "copilot.llm.url"  # set whenever an AI endpoint (and so perhaps its key) was set up


def identity(conn: sqlite3.Connection) -> str | None:
    return records.meta(conn, PROFILE_ID)


def ensure_identity(conn: sqlite3.Connection, *, existed: bool) -> str:
    """The profile's identity, created on first call (in a write transaction). ``existed``: the file held a
    profile from before identities, so its accounts' secrets are under unscoped names and are claimed."""
    found = identity(conn)
    if found is None:
        found = str(uuid.uuid4())
        records.put_meta(conn, PROFILE_ID, found)
        if existed:
            claim_unscoped(conn, [a.id for a in records.list_accounts(conn)])
    return found


def claim_unscoped(conn: sqlite3.Connection, account_ids: Iterable[int]) -> None:
    """Claim the unscoped entries of these accounts (and of the AI endpoint's key, if one was set up)."""
    claims = set(unscoped_claims(conn)) | set(account_ids)
    if records.setting(conn, _AI_URL) is not None:
        claims.add(AI_KEY_ACCOUNT)
    put_unscoped_claims(conn, claims)


def unscoped_claims(conn: sqlite3.Connection) -> list[int]:
    value = records.meta(conn, UNSCOPED_CLAIMS)
    return sorted(json.loads(value)) if value else []


def put_unscoped_claims(conn: sqlite3.Connection, account_ids: Iterable[int]) -> None:
    """Replace the claims; none left removes the row (nothing more to look for in the keyring)."""
    ids = sorted(set(account_ids))
    if ids:
        records.put_meta(conn, UNSCOPED_CLAIMS, json.dumps(ids))
    else:
        conn.execute("DELETE FROM meta WHERE key = ?", (UNSCOPED_CLAIMS,))

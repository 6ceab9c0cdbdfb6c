"""Each profile's stable random identity: created with the profile, kept by a copy or a .bak of the file, new
for a new data folder; a profile from before identities claims its accounts' unscoped keyring entries."""

from __future__ import annotations

import shutil
import sqlite3
import uuid

from deskapp.store import profile_identity
from deskapp.store import profile_records as records
from deskapp.store.migrate import backup
from deskapp.store.profile import ProfileStore


def _claims(store: ProfileStore) -> list[int]:
    with store.read() as conn:
        return profile_identity.unscoped_claims(conn)


def _as_before_identities(path) -> None:
    """The profile as the previous deskapp left it: same schema, no identity in its meta table."""
    raw = sqlite3.connect(path)
    with raw:
        raw.execute("DELETE FROM meta WHERE key = ?", (profile_identity.PROFILE_ID,))
    raw.close()


def test_a_new_profile_gets_a_random_identity_that_stays_and_claims_nothing(tmp_path):
    first, second = tmp_path / "a" / "profile.sqlite3", tmp_path / "b" / "profile.sqlite3"
    for path in (first, second):
        path.parent.mkdir()
    store = ProfileStore(first)
    identity = store.identity
    assert uuid.UUID(identity).version == 4
    with store.write() as conn:
        records.insert_account(conn, "chatwoot", "Hub", "https://hub.example")
    assert _claims(store) == []  # accounts added since have scoped entries only
    store.close()
    again = ProfileStore(first)
    other = ProfileStore(second)
    try:
        assert again.identity == identity and _claims(again) == []
        assert other.identity != identity  # another data folder, another identity
    finally:
        again.close()
        other.close()


def test_a_copy_or_a_backup_of_the_file_keeps_the_identity(tmp_path):
    path = tmp_path / "profile.sqlite3"
    store = ProfileStore(path)
    identity = store.identity
    saved = backup(path, "by-hand")  # what an upgrade leaves beside the file
    store.close()
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.copy(path, moved / "profile.sqlite3")
    for copy in (saved, moved / "profile.sqlite3"):
        reopened = ProfileStore(copy)
        try:
            assert reopened.identity == identity
        finally:
            reopened.close()


def test_a_profile_from_before_identities_claims_its_accounts_and_the_ai_key_once(tmp_path):
    path = tmp_path / "profile.sqlite3"
    store = ProfileStore(path)
    with store.write() as conn:
        hub = records.insert_account(conn, "chatwoot", "Hub", "https://hub.example")
        mailbox = records.insert_account(conn, "imap_smtp", "Mailbox", "imap://127.0.0.1:1")
        records.put_setting(conn, "copilot.llm.url", "http://127.0.0.1:8/v1")
    store.close()
    _as_before_identities(path)

    upgraded = ProfileStore(path)
    try:
        assert upgraded.identity and _claims(upgraded) == [profile_identity.AI_KEY_ACCOUNT, hub, mailbox]
        with upgraded.write() as conn:  # what the secret store does once it has taken them
            profile_identity.put_unscoped_claims(conn, [])
    finally:
        upgraded.close()
    reopened = ProfileStore(path)
    try:  # claimed at the first open only
        assert reopened.identity == upgraded.identity and _claims(reopened) == []
    finally:
        reopened.close()


def test_without_an_ai_endpoint_the_ai_key_is_not_claimed(tmp_path):
    path = tmp_path / "profile.sqlite3"
    store = ProfileStore(path)
    with store.write() as conn:
        hub = records.insert_account(conn, "chatwoot", "Hub", "https://hub.example")
    store.close()
    _as_before_identities(path)
    upgraded = ProfileStore(path)
    try:
        assert _claims(upgraded) == [hub]
    finally:
        upgraded.close()

"""store.mail_places: the places on the server that hold a message, found by place, by Message-ID, by message
id or by the id prefix of a message without a Message-ID."""

from __future__ import annotations

import pytest

from deskapp.store.mail_places import Holder, at_places, holders
from tests.faults.seed import seed_cache


@pytest.fixture
def account(db) -> int:
    acc = seed_cache(db, conversations=0, account_kind="imap_smtp")["account_id"]
    rows = [("INBOX", 1, 10, "mid:a@x", "a@x", "fa"), ("INBOX", 1, 11, "mid:b@x", "b@x", "fb"),
            ("Sent", 3, 5, "mid:a@x", "a@x", "fa"), ("INBOX", 2, 10, "mid:old@x", "old@x", "fo"),
            ("INBOX", 1, 12, "key:abc#1", None, "f1"), ("INBOX", 1, 13, "key:abc#2", None, "f2"),
            ("INBOX", 1, 14, "key:abcd", None, "f3")]
    with db.write() as conn:
        for folder, validity, uid, external, rfc, content in rows:
            conn.exec_driver_sql(
                "INSERT INTO mail_header (account_id, folder, uidvalidity, uid, message_external_id, rfc_message_id,"
                " conversation_external_id, content) VALUES (?, ?, ?, ?, ?, ?, 'c1', ?)",
                (acc, folder, validity, uid, external, rfc, content))
    return acc


def test_places_we_hold_among_those_asked_for(db, account):
    with db.read() as conn:
        found = at_places(conn, account, [("INBOX", 1, 10), ("INBOX", 1, 99), ("Sent", 3, 5), ("INBOX", 9, 10),
                                          ("INBOX", 1, 10)])
    assert found == [Holder("INBOX", 1, 10, "mid:a@x", "a@x", "fa"), Holder("Sent", 3, 5, "mid:a@x", "a@x", "fa")]


def test_many_places_are_asked_in_chunks(db, account):
    with db.read() as conn:
        found = at_places(conn, account, [("INBOX", 1, uid) for uid in range(2000)])
    assert [h.uid for h in found] == [10, 11, 12, 13, 14]


def test_holders_by_message_id_by_key_and_by_key_prefix(db, account):
    with db.read() as conn:
        by_rfc = holders(conn, account, rfc_message_ids=["a@x"], keys=[], key_prefixes=[])
        assert [(h.folder, h.uid) for h in by_rfc] == [("INBOX", 10), ("Sent", 5)]
        by_key = holders(conn, account, rfc_message_ids=[], keys=["mid:old@x"], key_prefixes=[])
        assert [(h.uidvalidity, h.uid) for h in by_key] == [(2, 10)]
        by_prefix = holders(conn, account, rfc_message_ids=[], keys=[], key_prefixes=["key:abc"])
        assert [h.message_external_id for h in by_prefix] == ["key:abc#1", "key:abc#2"]  # not key:abcd


def test_another_accounts_places_and_unknown_ids_are_not_found(db, account):
    with db.read() as conn:
        assert at_places(conn, account + 1, [("INBOX", 1, 10)]) == []
        assert holders(conn, account, rfc_message_ids=["nobody@x"], keys=["x"], key_prefixes=["zzz"]) == []
        assert holders(conn, account, rfc_message_ids=[], keys=[], key_prefixes=[]) == []

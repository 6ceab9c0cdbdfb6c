"""store.mail_failures: the messages the email sync could not import, kept per place with the reason and the
raw source until an import succeeds or the message leaves the server."""

from __future__ import annotations

from deskapp.domain.mail import MailImportFailed
from deskapp.store import mail_failures as failures
from tests.faults.seed import seed_cache

T0 = 1_748_865_600


def account(db) -> int:
    return seed_cache(db, conversations=0, account_kind="imap_smtp")["account_id"]


def test_a_failure_is_kept_with_its_reason_and_source_and_counted_again_on_retry(db):
    acc = account(db)
    with db.write() as conn:
        failures.record(conn, acc, [MailImportFailed("INBOX", 7, 1, "bad charset", b"raw mail")], T0)
        failures.record(conn, acc, [MailImportFailed("INBOX", 7, 1, "still bad", b"")], T0 + 60)
    with db.read() as conn:
        (kept,) = failures.list_failures(conn, acc)
        assert (kept.folder, kept.uid, kept.reason, kept.attempts) == ("INBOX", 7, "still bad", 2)
        assert (kept.first_failed_at, kept.last_failed_at, kept.raw_size) == (T0, T0 + 60, 8)
        assert failures.raw_source(conn, kept.id) == b"raw mail"  # the attempt without source kept the earlier one
        assert failures.count(conn, acc) == 1


def test_a_huge_reason_is_cut_and_an_unknown_failure_has_no_source(db):
    acc = account(db)
    with db.write() as conn:
        failures.record(conn, acc, [MailImportFailed("Sent", 1, 9, "x" * 100_000)], T0)
    with db.read() as conn:
        (kept,) = failures.list_failures(conn)
        assert len(kept.reason) == 2000 and kept.raw_size == 0
        assert failures.raw_source(conn, kept.id) == b""
        assert failures.raw_source(conn, kept.id + 1) is None


def test_a_place_that_imported_or_left_the_server_is_no_failure_any_more(db):
    acc = account(db)
    with db.write() as conn:
        failures.record(conn, acc, [MailImportFailed("INBOX", uid, 1, "broken") for uid in (1, 2, 3, 4)]
                        + [MailImportFailed("Archive", 1, 5, "broken")], T0)
        failures.clear(conn, acc, [("INBOX", 1, 1)])  # imported now
        failures.clear_gone(conn, acc, "INBOX", 1, frozenset({2, 3}))  # 4 was deleted on the server
        failures.clear(conn, acc, [])
    with db.read() as conn:
        assert [(f.folder, f.uid) for f in failures.list_failures(conn, acc)] == [
            ("Archive", 1), ("INBOX", 2), ("INBOX", 3)]
    with db.write() as conn:
        failures.clear_gone(conn, acc, "INBOX", 2, frozenset({2, 3}))  # UIDVALIDITY changed: all old places go
    with db.read() as conn:
        assert [(f.folder, f.uid) for f in failures.list_failures(conn, acc)] == [("Archive", 1)]


def test_each_account_sees_its_own_failures(db):
    first, second = account(db), account(db)
    with db.write() as conn:
        failures.record(conn, first, [MailImportFailed("INBOX", 1, 1, "a")], T0)
        failures.record(conn, second, [MailImportFailed("INBOX", 1, 1, "b")], T0)
    with db.read() as conn:
        assert [f.reason for f in failures.list_failures(conn, second)] == ["b"]
        assert [f.account_id for f in failures.list_failures(conn)] == [first, second]
        assert failures.count(conn, first) == 1

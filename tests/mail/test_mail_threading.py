"""The email preprocessor on a real cache, without servers: threading rules, arrival order, headers-first
copies, reopening, and deletions of messages kept in two folders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskapp.connectors.imap_smtp.mapping import map_message
from deskapp.connectors.mime import parse_headers, parse_message
from deskapp.domain.mail import FolderSnapshot
from deskapp.store import accounts as account_store
from deskapp.store.ingest import apply_batch
from deskapp.sync.mail_threading import preprocess_mail, subject_key
from tests.mail.conftest import make_mail

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
OWN = "support@shop.example"


@pytest.fixture
def account(db):
    with db.write() as conn:
        return account_store.insert_account(conn, "imap_smtp", "box", "imap://127.0.0.1:1")


def _ingest(db, account_id, mails, *, folder="INBOX", full=True, first_uid=1, extra=()):
    records = []
    for uid, raw in enumerate(mails, start=first_uid):
        header, body = raw.split(b"\n\n", 1)
        records += map_message(folder=folder, uid=uid, uidvalidity=7, flags=(), internal_date=None,
                               raw_headers=header, body_size=len(body), body=body,
                               headers=parse_message(raw) if full else parse_headers(header),
                               own_address=OWN, sent_folder="Sent", max_attachment_bytes=10**6)
    records += list(extra)
    with db.write() as conn:
        apply_batch(conn, account_id, preprocess_mail(conn, account_id, records), stream=folder, cursor=None)


def _threads(db):
    with db.read() as conn:
        return dict(conn.exec_driver_sql(
            "SELECT m.external_id, c.external_id FROM message m JOIN conversation c ON c.id = m.conversation_id"
        ).all())


def test_a_reply_arriving_before_its_root_does_not_split_the_thread(db, account):
    root = make_mail(message_id="<r@c.example>", subject="Order 7", date=T0)
    reply = make_mail(message_id="<r2@c.example>", subject="Re: Order 7", in_reply_to="<r@c.example>",
                      references="<r@c.example>", date=T0 + timedelta(hours=1))
    _ingest(db, account, [reply])
    _ingest(db, account, [root], first_uid=2)
    assert set(_threads(db).values()) == {"mail:mid:r@c.example"}


def test_subject_fallback_only_within_thirty_days_and_same_customer(db, account):
    _ingest(db, account, [make_mail(message_id="<s1@c.example>", subject="Refund", date=T0)])
    _ingest(db, account, [make_mail(message_id="<s2@c.example>", subject="AW: Refund", date=T0 + timedelta(days=3)),
                          make_mail(message_id="<s3@c.example>", subject="Refund", date=T0 + timedelta(days=40)),
                          make_mail(sender="other@x.example", message_id="<s4@x.example>", subject="Refund",
                                    date=T0 + timedelta(days=1))], first_uid=2)
    threads = _threads(db)
    assert threads["mid:s2@c.example"] == threads["mid:s1@c.example"]
    assert threads["mid:s3@c.example"] != threads["mid:s1@c.example"]
    assert threads["mid:s4@x.example"] != threads["mid:s1@c.example"]
    assert subject_key("Re: RE: Fwd: [42] Refund ") == "[42] refund" and subject_key("SV:AW: x") == "x"


def test_headers_first_copy_never_blanks_a_stored_body(db, account):
    mail = make_mail(message_id="<h@c.example>", body="the full text")
    _ingest(db, account, [mail])
    _ingest(db, account, [mail], full=False)
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT text FROM message").scalar().strip() == "the full text"


def test_new_inbound_mail_reopens_a_resolved_conversation_but_our_own_does_not(db, account):
    _ingest(db, account, [make_mail(message_id="<o1@c.example>", subject="Hi", date=T0)])
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE conversation SET status = 'resolved', resolved_at = 1, unread = 0")
    ours = make_mail(sender=OWN, to="zoe@customer.example", message_id="<ours@shop.example>", subject="Re: Hi",
                     references="<o1@c.example>", date=T0 + timedelta(hours=1))
    _ingest(db, account, [ours], folder="Sent")
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT status, unread FROM conversation").one() == ("resolved", 0)
        assert conn.exec_driver_sql("SELECT direction FROM message WHERE external_id = 'mid:ours@shop.example'"
                                    ).scalar() == "out"
    _ingest(db, account, [make_mail(message_id="<o2@c.example>", subject="Re: Hi", references="<o1@c.example>",
                                    date=T0 + timedelta(hours=2))], first_uid=5)
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT status, unread, message_count FROM conversation").one() == ("open", 1, 3)
        assert conn.exec_driver_sql("SELECT count(*) FROM conversation_event WHERE kind = 'reopened'").scalar() == 1


def test_a_message_in_two_folders_is_deleted_only_when_gone_from_both(db, account):
    mail = make_mail(sender=OWN, to="zoe@customer.example", message_id="<both@shop.example>", subject="Copy")
    _ingest(db, account, [mail], folder="INBOX")
    _ingest(db, account, [mail], folder="Sent")
    _ingest(db, account, [], folder="INBOX", extra=[FolderSnapshot("INBOX", 7, frozenset())])
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM message").scalar() == 1
    _ingest(db, account, [], folder="Sent", extra=[FolderSnapshot("Sent", 7, frozenset())])
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM message").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM mail_header").scalar() == 0


def test_a_page_whose_attachment_cannot_be_stored_is_not_applied(db, account, data_dir):
    (data_dir / "attachments").write_text("a file where the attachments folder should be")
    mails = [make_mail(message_id=f"<a{n}@c.example>", subject=f"Photo {n}", date=T0 + timedelta(minutes=n),
                       attachment=(f"photo{n}.jpg", bytes([n]) * 2000)) for n in range(3)]
    with pytest.raises(OSError):
        _ingest(db, account, mails)
    assert _threads(db) == {}  # no message points at a file that is not there
    (data_dir / "attachments").unlink()
    _ingest(db, account, mails)
    assert len(_threads(db)) == 3 and len(list((data_dir / "attachments").rglob("*"))) >= 3

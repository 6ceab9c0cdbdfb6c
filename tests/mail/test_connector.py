"""connectors.imap_smtp.connector pulling a real Dovecot mailbox: first and incremental syncs, threading, UIDVALIDITY
change, deletions, flags changed by another client (with and without CONDSTORE), a wrong password, attachments."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from deskapp.domain import Connectivity
from deskapp.services.mail_accounts import add_imap_account
from tests.mail.conftest import make_mail
from tests.mail.helpers import engine_for, new_mailbox, rows, scalar, workspace

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _sync(engine, account_id):
    summary = engine.sync_account_once(account_id)
    assert summary.state == Connectivity.ONLINE, summary.errors
    return summary


def test_first_then_incremental_sync_threads_by_headers(dovecot, db, data_dir):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    other = dovecot.client(box.user)
    other.append("INBOX", make_mail(message_id="<a1@customer.example>", date=T0))
    other.append("INBOX", make_mail(sender="Bob <bob@else.example>", subject="Invoice please",
                                    message_id="<b1@else.example>", date=T0 + timedelta(minutes=5)))
    engine = engine_for(ws)
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 2
    assert scalar(db, "SELECT count(*) FROM conversation WHERE channel = 'email'") == 2
    assert scalar(db, "SELECT text FROM message WHERE external_id = 'mid:a1@customer.example'").startswith("Hello")

    # The customer answers our (imagined) reply; a third mail threads by subject only.
    other.append("INBOX", make_mail(subject="Re: Where is my order #1042?", body="Any news?",
                                    message_id="<a2@customer.example>", in_reply_to="<ours1@shop.example>",
                                    references="<a1@customer.example> <ours1@shop.example>",
                                    date=T0 + timedelta(hours=1)))
    other.append("INBOX", make_mail(subject="RE: Where is my order #1042?", body="Hello??",
                                    message_id="<a3@customer.example>", date=T0 + timedelta(hours=2)))
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 2
    threads = rows(db, "SELECT c.external_id, count(m.id) FROM conversation c JOIN message m"
                       " ON m.conversation_id = c.id GROUP BY c.id ORDER BY c.external_id")
    assert threads == [("mail:mid:a1@customer.example", 3), ("mail:mid:b1@else.example", 1)]
    customer = rows(db, "SELECT ci.value FROM conversation c JOIN customer_identity ci"
                        " ON ci.customer_id = c.customer_id WHERE c.external_id = 'mail:mid:a1@customer.example'")
    assert customer == [("zoe@customer.example",)]
    assert scalar(db, "SELECT unread FROM conversation WHERE external_id = 'mail:mid:a1@customer.example'") == 3

    # Nothing new: nothing changes, nothing duplicates.
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 0
    assert scalar(db, "SELECT count(*) FROM message") == 4
    other.logout()


def test_uidvalidity_change_resyncs_without_duplicates(dovecot, db):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    other = dovecot.client(box.user)
    for n in range(5):
        other.append("INBOX", make_mail(subject=f"Question {n}", message_id=f"<q{n}@customer.example>",
                                        date=T0 + timedelta(minutes=n)))
    other.append("INBOX", make_mail(subject="no id", message_id="", date=T0))
    engine = engine_for(ws)
    _sync(engine, box.account_id)
    before = rows(db, "SELECT id, external_id FROM message ORDER BY id")
    assert len(before) == 6
    old_validity = scalar(db, "SELECT DISTINCT uidvalidity FROM mail_header WHERE folder = 'INBOX'")
    other.logout()
    dovecot.doveadm("mailbox", "update", "-u", box.user, "--uid-validity", str(old_validity + 1000), "INBOX")
    _sync(engine, box.account_id)
    assert rows(db, "SELECT id, external_id FROM message ORDER BY id") == before  # same rows, kept
    assert scalar(db, "SELECT DISTINCT uidvalidity FROM mail_header WHERE folder = 'INBOX'") == old_validity + 1000


def test_message_deleted_on_the_server_is_removed(dovecot, db):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    other = dovecot.client(box.user)
    other.append("INBOX", make_mail(subject="keep", message_id="<keep@customer.example>", date=T0))
    other.append("INBOX", make_mail(sender="spam@junk.example", subject="spam", message_id="<spam@junk.example>",
                                    date=T0))
    engine = engine_for(ws)
    _sync(engine, box.account_id)
    assert scalar(db, "SELECT count(*) FROM message") == 2
    other.select_folder("INBOX")
    other.delete_messages(other.search(["HEADER", "Message-ID", "<spam@junk.example>"]))
    other.expunge()
    _sync(engine, box.account_id)
    assert rows(db, "SELECT external_id FROM message") == [("mid:keep@customer.example",)]
    assert scalar(db, "SELECT count(*) FROM conversation") == 1  # the emptied conversation went too
    assert scalar(db, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'spam'") == 0
    other.logout()


def test_flags_changed_by_another_client(dovecot, db):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    other = dovecot.client(box.user)
    other.append("INBOX", make_mail(message_id="<f1@customer.example>", date=T0))
    engine = engine_for(ws)
    _sync(engine, box.account_id)
    assert scalar(db, "SELECT unread FROM conversation") == 1
    other.select_folder("INBOX")
    other.add_flags(other.search(["ALL"]), [b"\\Seen"])
    _sync(engine, box.account_id)
    assert scalar(db, "SELECT unread FROM conversation") == 0
    assert "\\Seen" in scalar(db, "SELECT flags FROM mail_header")
    other.remove_flags(other.search(["ALL"]), [b"\\Seen"])
    _sync(engine, box.account_id)
    assert scalar(db, "SELECT unread FROM conversation") == 1
    other.logout()


def test_wrong_password_means_auth_needed_and_others_keep_syncing(dovecot, db):
    ws = workspace(db)
    good = new_mailbox(dovecot, ws)
    dovecot.add_user("victim@shop.example")
    bad_id = add_imap_account(ws, host="127.0.0.1", port=dovecot.port, user="victim@shop.example",
                              secret="wrong-password", security="plain", email="victim@shop.example")
    client = dovecot.client(good.user)
    client.append("INBOX", make_mail(message_id="<g1@customer.example>", date=T0))
    client.logout()
    summaries = {s.account_id: s for s in engine_for(ws).sync_all_once()}
    assert summaries[bad_id].state == Connectivity.AUTH_NEEDED
    assert summaries[good.account_id].state == Connectivity.ONLINE
    states = dict(rows(db, "SELECT id, state FROM account"))
    assert states[bad_id] == "auth_needed" and states[good.account_id] == "online"
    assert scalar(db, "SELECT count(*) FROM message") == 1


def test_attachments_are_stored_once_by_content(dovecot, db, data_dir):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws, max_attachment_bytes=50_000)
    other = dovecot.client(box.user)
    invoice = b"%PDF-1.4 invoice 1042 " * 100
    for n in range(3):
        other.append("INBOX", make_mail(subject=f"invoice {n}", message_id=f"<i{n}@customer.example>", date=T0,
                                        attachment=("invoice.pdf", invoice)))
    other.append("INBOX", make_mail(subject="huge", message_id="<huge@customer.example>", date=T0,
                                    attachment=("video.bin", b"\x00" * 80_000)))
    other.logout()
    _sync(engine_for(ws), box.account_id)
    stored = list((data_dir / "attachments").rglob("content"))
    assert len(stored) == 1 and stored[0].read_bytes() == invoice  # three mails, one file
    found = rows(db, "SELECT filename, size, sha256, local_path FROM attachment ORDER BY size")
    assert [f[0] for f in found] == ["invoice.pdf"] * 3 + ["video.bin"]
    assert found[-1][1] == 80_000 and found[-1][2] == "" and found[-1][3] is None  # over the limit: listed only
    paths = {f[3] for f in found[:3]}  # what the thread view opens: the bytes under their own name
    assert len(paths) == 1 and paths.pop().endswith("/invoice.pdf")
    assert os.path.samefile(found[0][3], stored[0])
    from deskapp.services.thread import fetch_attachment  # the thread view's open/save path

    first_id = rows(db, "SELECT id FROM attachment ORDER BY id")[0][0]
    assert fetch_attachment(db, data_dir / "attachments", first_id).read_bytes() == invoice


def test_flag_changes_without_condstore(dovecot, db, monkeypatch):
    """Servers without CONDSTORE: every pass compares all flags instead of asking what changed."""
    from deskapp.connectors.imap_smtp.imap import ImapSession

    connect = ImapSession._connect

    def without_condstore(self):
        client = connect(self)
        self.condstore = False
        return client
    monkeypatch.setattr(ImapSession, "_connect", without_condstore)
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    other = dovecot.client(box.user)
    other.append("INBOX", make_mail(message_id="<nc1@customer.example>", date=T0))
    engine = engine_for(ws)
    _sync(engine, box.account_id)
    assert scalar(db, "SELECT unread FROM conversation") == 1
    other.select_folder("INBOX")
    other.add_flags(other.search(["ALL"]), [b"\\Seen"])
    _sync(engine, box.account_id)
    assert scalar(db, "SELECT unread FROM conversation") == 0
    other.logout()

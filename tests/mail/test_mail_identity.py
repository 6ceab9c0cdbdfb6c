"""Every message Dovecot holds reaches the cache: distinct messages sharing a Message-ID, messages without
one, copies across folders, a contact form's fixed id, and a UIDVALIDITY change; true copies are shown once
and counted in the sync summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deskapp.domain import Connectivity
from tests.mail.conftest import make_mail
from tests.mail.helpers import as_written, engine_for, new_mailbox, rows, scalar, workspace

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
FOLDERS = ["INBOX", "Sent", "Archive"]

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _sync(engine, account_id):
    summary = engine.sync_account_once(account_id)
    assert summary.state == Connectivity.ONLINE, summary.errors
    assert summary.not_imported == 0
    return summary


def _append(client, folder: str, *mails: bytes) -> None:
    if not client.folder_exists(folder):
        client.create_folder(folder)
    for mail in mails:
        client.append(folder, mail)


def server_counts(client, folders) -> dict[str, int]:
    counts = {}
    for folder in folders:
        if client.folder_exists(folder):
            client.select_folder(folder, readonly=True)
            counts[folder] = len(client.search(["ALL"]))
    return {f: n for f, n in counts.items() if n}


def cache_counts(db, account_id) -> dict[str, int]:
    """The places the cache holds, by folder: one per message on the server."""
    return dict(rows(db, "SELECT folder, count(*) FROM mail_header WHERE account_id = ? GROUP BY folder", account_id))


def _texts(db, account_id) -> list[str]:
    return sorted(t.strip() for (t,) in rows(db, "SELECT text FROM message WHERE account_id = ?", account_id))


def _mailbox(dovecot, db, **settings):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws, folders=FOLDERS, **settings)
    return ws, box, dovecot.client(box.user)


def test_distinct_messages_sharing_a_message_id_are_all_kept(dovecot, db):
    ws, box, other = _mailbox(dovecot, db)
    same = "<reused@mailer.example>"
    _append(other, "INBOX",
            make_mail(message_id=same, body="My parcel 1001 is lost", date=T0),
            make_mail(message_id=same, body="My parcel 1002 is lost", date=T0),  # same headers, same size
            make_mail(sender="Bob <bob@else.example>", message_id=same, subject="Invoice", body="Invoice please",
                      date=T0 + timedelta(hours=1)),
            make_mail(message_id=same, subject="Refund", body="A refund, please", date=T0 + timedelta(hours=2)))
    engine = engine_for(ws)
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 4 and summary.duplicates == 0
    assert cache_counts(db, box.account_id) == server_counts(other, FOLDERS) == {"INBOX": 4}
    assert _texts(db, box.account_id) == ["A refund, please", "Invoice please", "My parcel 1001 is lost",
                                          "My parcel 1002 is lost"]
    keys = [k for (k,) in rows(db, "SELECT external_id FROM message ORDER BY sent_at, id")]
    assert keys[0] == "mid:reused@mailer.example" and len(set(keys)) == 4
    assert all(k.startswith("mid:reused@mailer.example#") for k in keys[1:])
    assert _sync(engine, box.account_id).new_messages == 0  # nothing new: nothing duplicated

    other.select_folder("INBOX")
    other.delete_messages(other.search(["BODY", "1002"]))
    other.expunge()
    _sync(engine, box.account_id)
    assert _texts(db, box.account_id) == ["A refund, please", "Invoice please", "My parcel 1001 is lost"]
    other.logout()


def test_true_copies_are_one_message_counted_in_the_summary(dovecot, db):
    ws, box, other = _mailbox(dovecot, db)
    mail = make_mail(message_id="<twice@customer.example>", body="Sent twice by my mail program", date=T0)
    _append(other, "INBOX", mail, mail)
    _append(other, "Archive", mail)
    engine = engine_for(ws)
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 1 and summary.duplicates == 2
    assert cache_counts(db, box.account_id) == server_counts(other, FOLDERS) == {"INBOX": 2, "Archive": 1}
    assert scalar(db, "SELECT count(*) FROM message") == 1
    assert scalar(db, "SELECT unread FROM conversation") == 1  # one message to read, not three
    assert _sync(engine, box.account_id).duplicates == 0  # counted when found, not on every pass

    other.select_folder("INBOX")
    other.delete_messages(other.search(["ALL"])[:1])
    other.expunge()
    _sync(engine, box.account_id)
    assert scalar(db, "SELECT count(*) FROM message") == 1  # still in INBOX once and in Archive
    for folder in ("INBOX", "Archive"):
        other.select_folder(folder)
        other.delete_messages(other.search(["ALL"]))
        other.expunge()
    _sync(engine, box.account_id)
    assert scalar(db, "SELECT count(*) FROM message") == 0
    other.logout()


def test_messages_without_a_message_id_collapse_only_when_identical(dovecot, db):
    ws, box, other = _mailbox(dovecot, db)
    alert = make_mail(sender="monitor@shop.example", subject="Disk usage", body="Disk at 91%", date=T0)
    no_id = [alert.replace(b"Message-ID", b"X-Old-Message-ID")]
    no_id.append(no_id[0])  # the very same alert twice
    no_id.append(no_id[0].replace(b"Disk at 91%", b"Disk at 92%"))  # same headers and size, another body
    no_id.append(make_mail(sender="monitor@shop.example", subject="Disk usage", body="Disk at 95%, act now",
                           date=T0).replace(b"Message-ID", b"X-Old-Message-ID"))
    _append(other, "INBOX", *no_id)
    engine = engine_for(ws)
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 3 and summary.duplicates == 1
    assert cache_counts(db, box.account_id) == server_counts(other, FOLDERS) == {"INBOX": 4}
    assert _texts(db, box.account_id) == ["Disk at 91%", "Disk at 92%", "Disk at 95%, act now"]
    assert all(k.startswith("h:") for (k,) in rows(db, "SELECT external_id FROM message"))
    other.logout()


def test_duplicate_message_ids_across_folders(dovecot, db):
    ws, box, other = _mailbox(dovecot, db)
    first = make_mail(message_id="<order-77@shop.example>", subject="Order 77", body="First order mail", date=T0)
    second = make_mail(message_id="<order-77@shop.example>", subject="Order 77", body="Second, other order mail",
                       date=T0 + timedelta(days=1))
    _append(other, "INBOX", first)
    _append(other, "Archive", second, first)
    engine = engine_for(ws)
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 2 and summary.duplicates == 1
    assert cache_counts(db, box.account_id) == server_counts(other, FOLDERS) == {"INBOX": 1, "Archive": 2}
    assert _texts(db, box.account_id) == ["First order mail", "Second, other order mail"]
    other.logout()


def test_a_uidvalidity_change_keeps_every_message_once(dovecot, db):
    ws, box, other = _mailbox(dovecot, db)
    same = "<form@shop.example>"
    _append(other, "INBOX", *(make_mail(sender=f"c{n}@customer.example", message_id=same, body=f"Question {n}",
                                        date=T0 + timedelta(minutes=n)) for n in range(4)))
    engine = engine_for(ws)
    _sync(engine, box.account_id)
    before = rows(db, "SELECT id, external_id, conversation_id FROM message ORDER BY id")
    validity = scalar(db, "SELECT DISTINCT uidvalidity FROM mail_header WHERE folder = 'INBOX'")
    other.logout()
    dovecot.doveadm("mailbox", "update", "-u", box.user, "--uid-validity", str(validity + 1000), "INBOX")
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 0 and summary.duplicates == 0  # the same places under a new name
    assert rows(db, "SELECT id, external_id, conversation_id FROM message ORDER BY id") == before
    assert rows(db, "SELECT DISTINCT uidvalidity FROM mail_header") == [(validity + 1000,)]


def test_a_contact_forms_fixed_id_over_fifty_messages(dovecot, db, smtp_sink):
    """A shop's contact form stamps every mail with one Message-ID: every customer's message is kept in its
    own conversation, a reply goes to the customer of the conversation it is written in, and its Sent
    copy and the customer's answer thread back there, our reply recognised as ours exactly once."""
    ws, box, other = _mailbox(dovecot, db, smtp_port=smtp_sink.port)
    form = "<contact-form@shop.example>"
    _append(other, "INBOX", *(make_mail(sender=f"Customer {n} <c{n}@customer.example>", subject="Contact form",
                                        message_id=form, body=f"Message {n} from the contact form",
                                        date=T0 + timedelta(minutes=n)) for n in range(50)))
    engine = engine_for(ws)
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 50 and summary.duplicates == 0
    assert cache_counts(db, box.account_id) == server_counts(other, FOLDERS) == {"INBOX": 50}
    assert scalar(db, "SELECT count(DISTINCT conversation_id) FROM message") == 50

    conversation = scalar(db, "SELECT c.external_id FROM conversation c JOIN message m ON m.conversation_id = c.id"
                              " WHERE m.text LIKE 'Message 17 %'")
    assert conversation.startswith("mail:mid:contact-form@shop.example#")
    item = _reply(box.account_id, conversation)
    connector = _connector(ws, box.account_id)
    try:
        assert connector.push(item).ok
    finally:
        connector.close()
    assert [rcpt for _from, rcpt, _raw in smtp_sink.messages] == [["c17@customer.example"]]
    _append(other, "INBOX", make_mail(sender="Customer 33 <c33@customer.example>", subject="Re: Contact form",
                                      message_id="<c33-again@customer.example>", in_reply_to=form,
                                      references=form, body="Any answer?", date=T0 + timedelta(hours=3)))
    summary = _sync(engine, box.account_id)
    assert summary.new_messages == 2 and summary.duplicates == 0  # our Sent copy and customer 33's answer
    threads = rows(db, "SELECT m.text, c.external_id FROM message m JOIN conversation c ON c.id = m.conversation_id")
    by_text = {text.strip()[:10]: conv for text, conv in threads}
    assert by_text["Your parce"] == by_text["Message 17"] == conversation
    assert by_text["Any answer"] == by_text["Message 33"]
    assert scalar(db, "SELECT count(*) FROM message WHERE client_id = ?", item.client_id) == 1
    assert server_counts(other, FOLDERS) == cache_counts(db, box.account_id) == {"INBOX": 51, "Sent": 1}
    other.logout()


def _reply(account_id: int, conversation: str):
    import uuid

    from deskapp.domain import OutboxItem, OutboxKind

    return OutboxItem(client_id=str(uuid.uuid4()), account_id=account_id, conversation_external_id=conversation,
                      kind=OutboxKind.REPLY, payload={"text": "Your parcel ships today."}, created_at=T0)


def _connector(ws, account_id):
    from deskapp.store import accounts as account_store
    from deskapp.sync import registry

    with ws.db.read() as conn:
        account = account_store.get_account(conn, account_id)
    return registry.create(account, ws.secrets)


CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "emails"


def test_the_shared_corpus_reaches_the_cache_folder_by_folder(dovecot, db):
    """Each corpus folder appended to an IMAP folder of its name: the cache holds every message of every
    folder, and shows each distinct message once; the summary counts the copies it showed once."""
    folders = sorted({p.parent.name for p in CORPUS.rglob("*.eml")})
    ws = workspace(db)
    box = new_mailbox(dovecot, ws, folders=folders)
    other = dovecot.client(box.user)
    written = set()
    for folder in folders:
        files = sorted(CORPUS.rglob(f"{folder}/*.eml"))
        _append(other, folder, *(p.read_bytes() for p in files))
        written |= {as_written(p.read_bytes()) for p in files}
    engine = engine_for(ws)
    summary = _sync(engine, box.account_id)
    on_server = server_counts(other, folders)
    assert cache_counts(db, box.account_id) == on_server and len(on_server) == len(folders)
    total = sum(on_server.values())
    assert scalar(db, "SELECT count(*) FROM message") == len(written) == total - summary.duplicates
    assert summary.new_messages == len(written) and summary.errors == []
    again = _sync(engine, box.account_id)
    assert (again.new_messages, again.duplicates) == (0, 0)
    assert cache_counts(db, box.account_id) == on_server
    other.logout()

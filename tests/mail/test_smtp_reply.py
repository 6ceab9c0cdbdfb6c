"""Replies over real SMTP (aiosmtpd) with the right threading headers, appended to Sent on Dovecot, exactly once;
notes stay local; the Sent copy threads back into the conversation and adopts the offline row."""

from __future__ import annotations

import email
import uuid
from datetime import UTC, datetime
from email import policy

import pytest

from deskapp.connectors.base import AuthError
from deskapp.domain import OutboxItem, OutboxKind
from deskapp.store import accounts as account_store
from deskapp.sync import registry
from tests.mail.conftest import make_mail
from tests.mail.helpers import engine_for, new_mailbox, rows, scalar, workspace

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
CONVERSATION = "mail:mid:c0@customer.example"  # c1 threads into c0


def _item(account_id: int, kind=OutboxKind.REPLY, text="Your parcel ships today.", conversation=CONVERSATION):
    return OutboxItem(client_id=str(uuid.uuid4()), account_id=account_id, conversation_external_id=conversation,
                      kind=kind, payload={"text": text}, created_at=datetime.now(UTC))


_OPEN: list = []


def _connector(ws, account_id):
    with ws.db.read() as conn:
        account = account_store.get_account(conn, account_id)
    connector = registry.create(account, ws.secrets)
    _OPEN.append(connector)
    return connector


@pytest.fixture(autouse=True)
def _close_connectors():
    yield
    while _OPEN:
        _OPEN.pop().close()


@pytest.fixture
def thread(dovecot, db, smtp_sink):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws, smtp_port=smtp_sink.port)
    other = dovecot.client(box.user)
    other.append("INBOX", make_mail(message_id="<c0@customer.example>", subject="Order #1042",
                                    date=datetime(2026, 3, 1, 8, tzinfo=UTC)))
    other.append("INBOX", make_mail(message_id="<c1@customer.example>", subject="Re: Order #1042",
                                    in_reply_to="<c0@customer.example>", references="<c0@customer.example>",
                                    body="Still nothing?", date=datetime(2026, 3, 1, 9, tzinfo=UTC)))
    engine = engine_for(ws)
    assert engine.sync_account_once(box.account_id).state == "online"
    yield ws, box, other, engine
    other.logout()


def test_reply_arrives_threaded_and_lands_in_sent_once(thread, smtp_sink):
    ws, box, other, _engine = thread
    conversation = scalar(ws.db, "SELECT external_id FROM conversation")
    connector = _connector(ws, box.account_id)
    item = _item(box.account_id, conversation=conversation)
    result = connector.push(item)
    assert result.ok and result.external_id == f"mid:{item.client_id}@deskapp"
    assert len(smtp_sink.messages) == 1
    mail_from, rcpt_tos, raw = smtp_sink.messages[0]
    sent = email.message_from_bytes(raw, policy=policy.default)
    assert rcpt_tos == ["zoe@customer.example"] and mail_from == box.user
    assert sent["Message-ID"] == f"<{item.client_id}@deskapp>"
    assert sent["In-Reply-To"] == "<c1@customer.example>"
    assert sent["References"].split() == ["<c0@customer.example>", "<c1@customer.example>"]
    assert sent["Subject"] == "Re: Order #1042"
    assert sent.get_content().strip() == "Your parcel ships today."
    assert smtp_sink.logins == [box.user]

    other.select_folder("Sent")
    assert len(other.search(["HEADER", "Message-ID", f"<{item.client_id}@deskapp>"])) == 1

    # The outbox crashed before recording success: the retry finds it in Sent and sends nothing.
    again = connector.push(item)
    assert again.ok and again.detail.get("already_sent") and len(smtp_sink.messages) == 1


def test_sent_copy_adopts_the_offline_row_and_threads(thread, smtp_sink):
    ws, box, other, engine = thread
    item = _item(box.account_id)
    with ws.db.write() as conn:  # what the offline action service writes before the push
        conversation_id = conn.exec_driver_sql("SELECT id FROM conversation WHERE external_id = ?",
                                               (CONVERSATION,)).scalar()
        conn.exec_driver_sql(
            "INSERT INTO message (account_id, external_id, conversation_id, direction, text, sent_at, delivery,"
            " client_id) VALUES (?, ?, ?, 'out', ?, ?, 'queued', ?)",
            (box.account_id, f"local:{item.client_id}", conversation_id, item.payload["text"],
             int(datetime.now(UTC).timestamp()), item.client_id))
    assert _connector(ws, box.account_id).push(item).ok
    assert engine.sync_account_once(box.account_id).state == "online"
    found = rows(ws.db, "SELECT external_id, direction, delivery, client_id FROM message WHERE conversation_id = ?"
                        " ORDER BY sent_at", conversation_id)
    assert found[-1] == (f"mid:{item.client_id}@deskapp", "out", "sent", item.client_id)
    assert len(found) == 3  # two from the customer, our reply once
    assert scalar(ws.db, "SELECT count(*) FROM conversation") == 1

    # The customer's mail client answers our reply: it threads into the same conversation and reopens it.
    with ws.db.write() as conn:
        conn.exec_driver_sql("UPDATE conversation SET status = 'resolved', resolved_at = 1 WHERE id = ?",
                             (conversation_id,))
    other.append("INBOX", make_mail(subject="Re: Order #1042", body="Thanks!", message_id="<c2@customer.example>",
                                    in_reply_to=f"<{item.client_id}@deskapp>",
                                    references=f"<c0@customer.example> <c1@customer.example>"
                                               f" <{item.client_id}@deskapp>"))
    assert engine.sync_account_once(box.account_id).state == "online"
    assert scalar(ws.db, "SELECT count(*) FROM message WHERE conversation_id = ?", conversation_id) == 4
    assert scalar(ws.db, "SELECT status FROM conversation WHERE id = ?", conversation_id) == "open"


def test_notes_and_local_actions_never_touch_the_network(thread, smtp_sink):
    ws, box, _other, _engine = thread
    connector = _connector(ws, box.account_id)
    for kind in (OutboxKind.NOTE, OutboxKind.STATUS, OutboxKind.LABEL, OutboxKind.ASSIGN):
        result = connector.push(_item(box.account_id, kind=kind))
        assert result.ok and result.detail == {"local": True}
    assert smtp_sink.messages == []


def test_refused_recipient_is_a_conflict_and_bad_smtp_password_is_auth(thread, smtp_sink, dovecot):
    ws, box, other, _engine = thread
    other.append("INBOX", make_mail(sender="x@refused.example", message_id="<r1@refused.example>",
                                    subject="bounce me"))
    engine_for(ws).sync_account_once(box.account_id)
    result = _connector(ws, box.account_id).push(_item(box.account_id, conversation="mail:mid:r1@refused.example"))
    assert not result.ok and "refused" in result.conflict
    gone = _connector(ws, box.account_id).push(_item(box.account_id, conversation="mail:mid:nothing@else.example"))
    assert not gone.ok and gone.conflict
    ws.secrets.set(box.account_id, "wrong", "password")
    with pytest.raises(AuthError):
        _connector(ws, box.account_id).push(_item(box.account_id))
    assert smtp_sink.messages == []


def test_offline_reply_through_the_app_engine_is_sent_once_and_threads(dovecot, smtp_sink, tmp_path):
    """The whole app path: ActionService writes cache + outbox, the app's engine replays it over SMTP before
    pulling, the Sent copy comes back and takes the place of the local row."""
    from deskapp import bootstrap
    from deskapp.bootstrap import build_sync_engine
    from deskapp.services.actions import ActionService, outbox_for

    ws = bootstrap.open_workspace(tmp_path / "data")
    try:
        box = new_mailbox(dovecot, ws, smtp_port=smtp_sink.port)
        client = dovecot.client(box.user)
        client.append("INBOX", make_mail(message_id="<app1@customer.example>", subject="Broken zipper"))
        client.logout()
        engine = build_sync_engine(ws, replay_options={"hold_s": 0})  # no undo window in a test
        assert engine.sync_account_once(box.account_id).state == "online"
        conversation_id = scalar(ws.db, "SELECT id FROM conversation")
        actions = ActionService(ws.db, outbox_for(ws), ws.profile)
        client_id = actions.reply(conversation_id, "Sorry! A new one is on its way.")
        actions.note(conversation_id, "customer is a VIP")
        assert engine.sync_account_once(box.account_id).state == "online"
        assert engine.sync_account_once(box.account_id).state == "online"
        assert len(smtp_sink.messages) == 1
        sent = email.message_from_bytes(smtp_sink.messages[0][2], policy=policy.default)
        assert sent["In-Reply-To"] == "<app1@customer.example>" and sent["Subject"] == "Re: Broken zipper"
        found = rows(ws.db, "SELECT external_id, direction, delivery FROM message WHERE conversation_id = ?"
                            " ORDER BY id", conversation_id)
        assert ("mid:app1@customer.example", "in", "received") in found
        assert (f"mid:{client_id}@deskapp", "out", "sent") in found
        assert [f for f in found if f[1] == "out"] == [(f"mid:{client_id}@deskapp", "out", "sent")]
        assert any(f[1] == "note" for f in found)  # the note stayed local, and stayed
    finally:
        ws.close()


def test_concurrent_pushes_share_one_connection_safely(thread, smtp_sink):
    """The outbox replays conversations on several threads through one connector."""
    from concurrent.futures import ThreadPoolExecutor

    ws, box, _other, _engine = thread
    connector = _connector(ws, box.account_id)
    items = [_item(box.account_id, text=f"reply {n}") for n in range(8)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(connector.push, items))
    assert all(r.ok for r in results) and len(smtp_sink.messages) == 8
    with ThreadPoolExecutor(4) as pool:  # every retry finds its copy in Sent
        assert all(r.detail.get("already_sent") for r in pool.map(connector.push, items))
    assert len(smtp_sink.messages) == 8


def test_sent_folder_found_by_special_use(dovecot, db, smtp_sink):
    """Servers name it "Sent Items", "[Gmail]/Sent Mail"...: when the configured name is missing, the
    \\Sent special-use folder is used for the check, the copy and the pull."""
    ws = workspace(db)
    box = new_mailbox(dovecot, ws, smtp_port=smtp_sink.port, sent_folder="Sent Items",
                      folders=["INBOX", "Sent Items"])
    other = dovecot.client(box.user)
    other.append("INBOX", make_mail(message_id="<su1@customer.example>", subject="Special"))
    engine = engine_for(ws)
    assert engine.sync_account_once(box.account_id).state == "online"
    item = _item(box.account_id, conversation="mail:mid:su1@customer.example")
    assert _connector(ws, box.account_id).push(item).ok
    assert not other.folder_exists("Sent Items")
    other.select_folder("Sent")
    assert len(other.search(["HEADER", "Message-ID", f"<{item.client_id}@deskapp>"])) == 1
    other.logout()
    assert engine.sync_account_once(box.account_id).state == "online"
    assert rows(ws.db, "SELECT folder, inbound FROM mail_header WHERE message_external_id = ?",
                f"mid:{item.client_id}@deskapp") == [("Sent", 0)]

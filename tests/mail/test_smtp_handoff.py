"""The SMTP handoff of a reply, step by step against aiosmtpd and Dovecot: what is recorded before and after
the end-of-data mark, what each kind of failure leaves behind, and how the next push reads it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from deskapp.connectors.base import TransientError
from deskapp.connectors.imap_smtp.connector import MAYBE_SENT
from deskapp.domain import Handoff, OutboxItem, OutboxKind, OutboxState
from deskapp.store import accounts as account_store
from deskapp.store.outbox import OutboxStore, StorageError
from deskapp.sync import registry
from deskapp.sync.replay import Replayer
from tests.mail.conftest import make_mail
from tests.mail.helpers import engine_for, new_mailbox, workspace

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
CONVERSATION = "mail:mid:h0@customer.example"


@pytest.fixture
def mailbox(dovecot, db, smtp_sink):
    """A synced mailbox with one customer mail; the connector, and the other mail client on the same box."""
    ws = workspace(db)
    box = new_mailbox(dovecot, ws, smtp_port=smtp_sink.port, timeout=2)
    other = dovecot.client(box.user)
    other.append("INBOX", make_mail(message_id="<h0@customer.example>", subject="Order #7",
                                    date=datetime(2026, 3, 1, 8, tzinfo=UTC)))
    assert engine_for(ws).sync_account_once(box.account_id).state == "online"
    with db.read() as conn:
        connector = registry.create(account_store.get_account(conn, box.account_id), ws.secrets)
    yield ws, box, connector, other
    connector.close()
    other.logout()


def _item(account_id: int, handoff: Handoff | None = None) -> OutboxItem:
    return OutboxItem(client_id=str(uuid.uuid4()), account_id=account_id, conversation_external_id=CONVERSATION,
                      kind=OutboxKind.REPLY, payload={"text": "It ships today."}, created_at=datetime.now(UTC),
                      handoff=handoff)


def _in_sent(other, client_id: str) -> int:
    other.select_folder("Sent", readonly=True)
    return len(other.search(["HEADER", "Message-ID", f"<{client_id}@deskapp>"]))


def test_handed_before_the_end_mark_and_accepted_after_the_250(mailbox, smtp_sink):
    _ws, box, connector, other = mailbox
    steps = []

    def record(step):
        steps.append((step, len(smtp_sink.messages)))  # what the server had when the step was recorded

    item = _item(box.account_id)
    assert connector.push(item, record).ok
    assert steps == [(Handoff.HANDED, 0), (Handoff.ACCEPTED, 1)]
    assert _in_sent(other, item.client_id) == 1


@pytest.mark.parametrize(("reply", "outcome"), [("451 4.3.0 try later", "transient"), ("554 5.7.1 spam", "conflict")])
def test_a_refusal_of_the_data_clears_the_handoff(mailbox, smtp_sink, reply, outcome):
    """The server said no to the message itself: certainly not sent, so nothing holds a later send back."""
    _ws, box, connector, _other = mailbox
    steps = []
    smtp_sink.data_reply = reply
    item = _item(box.account_id)
    if outcome == "transient":
        with pytest.raises(TransientError, match="451"):
            connector.push(item, steps.append)
    else:
        result = connector.push(item, steps.append)
        assert not result.ok and "554" in result.conflict
    assert steps == [Handoff.HANDED, None] and smtp_sink.messages == []
    assert connector.push(item, steps.append).ok and len(smtp_sink.messages) == 1


def test_no_answer_after_the_data_is_maybe_sent_then_a_conflict(mailbox, smtp_sink, tmp_path):
    """The server took the whole message and never answered (the timeout is 2 s): the replayer keeps
    "handed", and the next pass asks the agent instead of sending again."""
    ws, box, connector, _other = mailbox
    outbox = OutboxStore(tmp_path / "outbox.sqlite3")
    row = outbox.append(account_id=box.account_id, conversation_external_id=CONVERSATION, kind=OutboxKind.REPLY,
                        payload={"text": "It ships today."}, now=0)
    replayer = Replayer(ws.db, outbox, hold_s=0)
    gate = smtp_sink.hold("DATA", keep=True)
    first = replayer.replay_account(box.account_id, connector)
    gate.release()
    assert first.stopped == "offline" and "may have been sent" in first.errors[-1]
    assert outbox.get(row.client_id).state == OutboxState.PENDING
    assert outbox.get(row.client_id).handoff == Handoff.HANDED and len(smtp_sink.messages) == 1
    second = replayer.replay_account(box.account_id, connector)
    assert second.conflicts == 1 and len(smtp_sink.messages) == 1
    settled = outbox.get(row.client_id)
    assert settled.state == OutboxState.CONFLICT and settled.conflict == MAYBE_SENT
    assert "Retry sends it once more" in settled.last_error
    outbox.close()


def test_a_handoff_that_cannot_be_recorded_never_reaches_the_server(mailbox, smtp_sink, tmp_path):
    """The outbox refuses the "handed" write (here: the item is not being sent): the connection is closed
    without the end mark, so the server drops the message; a later push sends it once."""
    _ws, box, connector, _other = mailbox
    outbox = OutboxStore(tmp_path / "outbox.sqlite3")
    row = outbox.append(account_id=box.account_id, conversation_external_id=CONVERSATION, kind=OutboxKind.REPLY,
                        payload={"text": "It ships today."})
    item = _item(box.account_id)
    with pytest.raises(StorageError, match="no longer being sent"):
        connector.push(item, lambda step: outbox.set_handoff(row.client_id, step))
    assert smtp_sink.messages == []
    assert connector.push(item).ok and len(smtp_sink.messages) == 1
    outbox.close()


def test_maybe_sent_found_in_sent_is_done(mailbox, smtp_sink):
    """Servers that file what they relay (Gmail, Exchange) answer the question themselves."""
    _ws, box, connector, other = mailbox
    item = _item(box.account_id, Handoff.HANDED)
    other.append("Sent", make_mail(sender=box.user, to="zoe@customer.example",
                                   message_id=f"<{item.client_id}@deskapp>"))
    result = connector.push(item)
    assert result.ok and result.detail == {"already_sent": True} and smtp_sink.messages == []


def test_accepted_makes_only_the_sent_copy_even_when_the_thread_is_gone(mailbox, smtp_sink):
    _ws, box, connector, other = mailbox
    item = _item(box.account_id, Handoff.ACCEPTED)
    result = connector.push(item)
    assert result.ok and result.detail["sent_before_restart"] and smtp_sink.messages == []
    assert _in_sent(other, item.client_id) == 1
    gone = OutboxItem(**{**{f: getattr(item, f) for f in item.__slots__}, "client_id": str(uuid.uuid4()),
                         "conversation_external_id": "mail:mid:deleted@customer.example"})
    assert connector.push(gone).ok and smtp_sink.messages == [] and _in_sent(other, gone.client_id) == 0


def test_the_agents_retry_clears_maybe_sent_but_never_accepted(tmp_path):
    outbox = OutboxStore(tmp_path / "outbox.sqlite3")
    maybe, sent = (outbox.append(account_id=1, conversation_external_id="c", kind=OutboxKind.REPLY,
                                 payload={"text": "x"}) for _ in range(2))
    for row, step in ((maybe, Handoff.HANDED), (sent, Handoff.ACCEPTED)):
        outbox.claim(row.client_id)
        outbox.set_handoff(row.client_id, step)
        outbox.mark_problem(row.client_id, OutboxState.FAILED, reason="failed")
        assert outbox.retry(row.client_id)
    assert outbox.get(maybe.client_id).handoff is None
    assert outbox.get(sent.client_id).handoff == Handoff.ACCEPTED
    outbox.close()

"""kill -9 of `deskapp sync --once` at each point of sending a mail reply, then a restart: aiosmtpd never
receives a reply twice, and what could not be known becomes a question the agent sees in the outbox.

The points: inside the SMTP transaction before the data (certainly not sent: sent on restart); after the
whole message but before the server's answer (maybe sent: a conflict, never a silent second send);
after the server's 250 before the Sent copy (sent: only the copy is made); after the Sent copy before
the outbox heard of it (sent: nothing more happens).
"""

from __future__ import annotations

import email
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest

from deskapp import bootstrap
from deskapp.bootstrap import build_sync_engine
from deskapp.connectors.imap_smtp.connector import MAYBE_SENT
from deskapp.domain import Handoff, OutboxState
from deskapp.services.actions import action_service
from deskapp.store.outbox import OutboxStore
from tests.mail.conftest import make_mail
from tests.mail.helpers import new_mailbox, rows

pytestmark = [pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
              pytest.mark.timeout(240)]
REPO = Path(__file__).resolve().parents[2]
WRITTEN = datetime(2026, 3, 2, 9, tzinfo=UTC)


class Desk:
    """A data folder with one mailbox account, its customers' mails synced, and replies queued."""

    def __init__(self, folder: Path, dovecot, sink, *, threads: int = 1) -> None:
        self.folder, self.dovecot, self.sink = folder, dovecot, sink
        ws = bootstrap.open_workspace(folder)
        try:
            self.box = new_mailbox(dovecot, ws, smtp_port=sink.port)
            client = dovecot.client(self.box.user)
            for n in range(threads):
                client.append("INBOX", make_mail(message_id=f"<k{n}@customer.example>", subject=f"Order #{2000 + n}",
                                                 date=WRITTEN))
            client.logout()
            assert build_sync_engine(ws).sync_account_once(self.box.account_id).state == "online"
            actions = action_service(ws, undoable=False)  # no undo window: the child sends at once
            conversations = [r[0] for r in rows(ws.db, "SELECT id FROM conversation ORDER BY id")]
            self.client_ids = [actions.reply(c, f"Your order ships today ({n}).") for n, c in enumerate(conversations)]
        finally:
            ws.close()

    def start(self, stop_at: str = "-") -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "tests.mail.reply_child", stop_at, str(self.folder)],
                                cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    def restart(self) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "tests.mail.reply_child", "-", str(self.folder)], cwd=REPO,
                              env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr + done.stdout
        return done

    def outbox(self) -> dict:
        store = OutboxStore(self.folder / "outbox.sqlite3")
        try:
            return {r.client_id: r for r in store.items()}
        finally:
            store.close()

    def received(self) -> Counter:
        """How many times the SMTP server took each reply, by client id."""
        ids = (email.message_from_bytes(raw, policy=policy.default)["Message-ID"] for _f, _t, raw in self.sink.messages)
        return Counter(i.strip("<>").removesuffix("@deskapp") for i in ids)

    def in_sent(self, client_id: str) -> int:
        client = self.dovecot.client(self.box.user)
        try:
            client.select_folder("Sent", readonly=True)
            return len(client.search(["HEADER", "Message-ID", f"<{client_id}@deskapp>"]))
        finally:
            client.logout()


def _kill(child: subprocess.Popen) -> None:
    if child.poll() is None:
        os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    child.stdout.close()
    child.stderr.close()


def _wait_for(child: subprocess.Popen, line: str) -> None:
    while True:
        got = child.stdout.readline()
        assert got, f"the child ended before {line!r}: {child.stderr.read()}"
        if got.strip() == line:
            return


def _thread_replies(folder: Path) -> list[tuple]:
    ws = bootstrap.open_workspace(folder)
    try:
        return rows(ws.db, "SELECT client_id, external_id, delivery FROM message WHERE direction = 'out'")
    finally:
        ws.close()


def test_kill_before_the_data_then_restart_sends_it_once(dovecot, smtp_sink, tmp_path):
    desk = Desk(tmp_path / "data", dovecot, smtp_sink)
    (cid,) = desk.client_ids
    gate = smtp_sink.hold("RCPT")
    child = desk.start()
    assert gate.reached.wait(60), "the child never reached the SMTP server"
    _kill(child)
    gate.release()
    assert desk.received() == {} and desk.outbox()[cid].handoff is None  # certainly not sent
    desk.restart()
    assert desk.received() == {cid: 1} and desk.in_sent(cid) == 1
    assert desk.outbox()[cid].state == OutboxState.DONE
    assert _thread_replies(desk.folder) == [(cid, f"mid:{cid}@deskapp", "sent")]


def test_kill_after_the_250_before_the_sent_copy_only_makes_the_copy(dovecot, smtp_sink, tmp_path):
    desk = Desk(tmp_path / "data", dovecot, smtp_sink)
    (cid,) = desk.client_ids
    child = desk.start("accepted")
    _wait_for(child, "AT accepted")
    _kill(child)
    assert desk.received() == {cid: 1} and desk.in_sent(cid) == 0
    assert desk.outbox()[cid].handoff == Handoff.ACCEPTED
    desk.restart()
    assert desk.received() == {cid: 1} and desk.in_sent(cid) == 1  # the copy, and no second send
    assert desk.outbox()[cid].state == OutboxState.DONE
    assert _thread_replies(desk.folder) == [(cid, f"mid:{cid}@deskapp", "sent")]


def test_kill_after_the_sent_copy_before_the_ack_does_nothing_more(dovecot, smtp_sink, tmp_path):
    desk = Desk(tmp_path / "data", dovecot, smtp_sink)
    (cid,) = desk.client_ids
    child = desk.start("sent-copy")
    _wait_for(child, "AT sent-copy")
    _kill(child)
    assert desk.received() == {cid: 1} and desk.in_sent(cid) == 1
    assert desk.outbox()[cid].state == OutboxState.SENDING
    desk.restart()
    assert desk.received() == {cid: 1} and desk.in_sent(cid) == 1
    assert desk.outbox()[cid].state == OutboxState.DONE
    assert _thread_replies(desk.folder) == [(cid, f"mid:{cid}@deskapp", "sent")]


def _agent_sees_maybe_sent(qtbot, folder: Path, cid: str):
    """The outbox panel as the agent opens it after the restart: the reply, the question, retry/discard."""
    from deskapp.ui.outbox_panel import OutboxPanel

    ws = bootstrap.open_workspace(folder)
    panel = OutboxPanel(action_service(ws))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.count_changed, timeout=10_000):  # read on the panel's worker
        panel.refresh()
    assert panel.summary.text() == "0 waiting to be sent, 1 need your decision."
    cells = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
    assert cells[0] == "conflict" and cells[1].startswith("Reply: Your order ships today")
    assert cells[-1] == MAYBE_SENT
    panel.table.selectRow(0)
    assert "Sent folder" in panel.detail.text()
    assert panel.retry_button.isEnabled() and panel.discard_button.isEnabled()
    assert rows(ws.db, "SELECT client_id, external_id, delivery FROM message WHERE direction = 'out'") == [
        (cid, f"local:{cid}", "failed")]
    return ws, panel


def test_kill_while_the_server_answers_is_a_question_for_the_agent(dovecot, smtp_sink, tmp_path, qtbot):
    """The server took the message, the client died before its 250: deskapp cannot know, so it asks."""
    desk = Desk(tmp_path / "data", dovecot, smtp_sink)
    (cid,) = desk.client_ids
    gate = smtp_sink.hold("DATA", keep=True)
    child = desk.start()
    assert gate.reached.wait(60)
    _kill(child)
    gate.release()
    assert desk.received() == {cid: 1} and desk.outbox()[cid].handoff == Handoff.HANDED
    desk.restart()
    assert desk.received() == {cid: 1}  # no second send
    assert desk.outbox()[cid].state == OutboxState.CONFLICT
    ws, panel = _agent_sees_maybe_sent(qtbot, desk.folder, cid)
    try:
        with qtbot.waitSignal(panel.settled, timeout=10_000) as settled:
            panel.decide_selected("discard")
        assert settled.args == [1]  # the customer's thread shows it arrived
        assert panel.summary.text() == "Nothing queued."
    finally:
        ws.close()
    desk.restart()
    assert desk.received() == {cid: 1} and cid not in desk.outbox()


def test_maybe_sent_that_was_not_is_sent_once_when_the_agent_retries(dovecot, smtp_sink, tmp_path, qtbot):
    desk = Desk(tmp_path / "data", dovecot, smtp_sink)
    (cid,) = desk.client_ids
    gate = smtp_sink.hold("DATA", keep=False)  # this time the server dropped it
    child = desk.start()
    assert gate.reached.wait(60)
    _kill(child)
    gate.release()
    desk.restart()
    assert desk.received() == {} and desk.outbox()[cid].state == OutboxState.CONFLICT
    ws, panel = _agent_sees_maybe_sent(qtbot, desk.folder, cid)
    try:
        with qtbot.waitSignal(panel.settled, timeout=10_000) as settled:
            panel.decide_selected("retry")
        assert settled.args == [1]  # nothing in the customer's thread: send it
        assert panel.summary.text() == "1 waiting to be sent, 0 need your decision."
    finally:
        ws.close()
    desk.restart()
    assert desk.received() == {cid: 1} and desk.in_sent(cid) == 1
    assert desk.outbox()[cid].state == OutboxState.DONE
    assert _thread_replies(desk.folder) == [(cid, f"mid:{cid}@deskapp", "sent")]


@pytest.mark.slow
def test_kill9_at_random_moments_never_sends_a_reply_twice(dovecot, smtp_sink, tmp_path):
    smtp_sink.data_delay = 0.3  # a slow server widens the window between the data and its answer
    desk = Desk(tmp_path / "data", dovecot, smtp_sink, threads=8)
    rng = random.Random(11)
    kills = 0
    started = time.monotonic()
    while kills < 12 and any(r.state in (OutboxState.PENDING, OutboxState.SENDING) for r in desk.outbox().values()):
        child = desk.start()
        # Kill at a random moment of the sending: after 0-1 more messages reached the server, within a
        # server answer's time (a reply takes 0.3 s or so).
        target = len(smtp_sink.messages) + rng.randint(0, 1)
        while len(smtp_sink.messages) < target and child.poll() is None:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.4))
        kills += child.poll() is None
        _kill(child)
    desk.restart()
    received, final = desk.received(), desk.outbox()
    assert max(received.values(), default=0) == 1 and set(received) <= set(desk.client_ids)
    for cid in desk.client_ids:
        row = final[cid]
        if row.state == OutboxState.DONE:
            assert received[cid] == 1 and desk.in_sent(cid) == 1, cid
        else:  # only a kill while the server answered leaves a question, and never a second copy
            assert row.state == OutboxState.CONFLICT and row.conflict == MAYBE_SENT and received[cid] <= 1, row
    asked = sum(1 for r in final.values() if r.state == OutboxState.CONFLICT)
    print(f"\nmail kill -9: {kills} kills, {len(desk.client_ids)} replies, {sum(received.values())} received once "
          f"each, {asked} left for the agent as 'may already have been sent', 0 sent twice, "
          f"{time.monotonic() - started:.1f} s")

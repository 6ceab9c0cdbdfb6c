"""The agent's typing status reaches the hub (toggle_typing_status on the demo hub over loopback), throttled,
and never when the account is offline or the hub fails."""

from __future__ import annotations

import logging
import time

from deskapp.domain import Connectivity
from deskapp.services.hub_link import HubLink
from deskapp.services.typing_status import IDLE_S, RESEND_S, TypingSender
from deskapp.store import accounts as account_store
from tests.services import hub_fixture

hub, hub_ws = hub_fixture.hub, hub_fixture.hub_ws  # the fixtures


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def a_conversation(hub) -> tuple[int, int]:
    """(cache id, hub display id) of a conversation the signed-in agent can see."""
    with hub.ws.db.read() as conn:
        row = conn.exec_driver_sql("SELECT id, external_id FROM conversation WHERE account_id = ? ORDER BY id"
                                   " LIMIT 1", (hub.account_id,)).first()
    return int(row[0]), int(row[1])


def test_typing_goes_out_once_then_again_while_it_lasts_then_off(hub):
    clock = Clock()
    sender = TypingSender(HubLink(hub.ws.db, hub.ws.secrets), clock=clock)
    cid, display = a_conversation(hub)
    sender.typed(cid)
    sender.step()
    for _ in range(5):  # keystrokes within the resend interval: nothing more goes out
        clock.t += 0.5
        sender.typed(cid)
        sender.step()
    clock.t += RESEND_S - 2.5 + 0.1
    sender.typed(cid)
    sender.step()
    clock.t += IDLE_S + 0.1  # the agent stopped typing
    sender.step()
    sender.close()
    log = [(e["conversation_id"], e["typing_status"], e["is_private"]) for e in hub.state.typing_log]
    assert log == [(display, "on", False), (display, "on", False), (display, "off", False)]
    assert sender.sent == [(cid, "on"), (cid, "on"), (cid, "off")]


def test_switching_conversation_or_to_a_note_says_off_for_the_old_one(hub):
    clock = Clock()
    sender = TypingSender(HubLink(hub.ws.db, hub.ws.secrets), clock=clock)
    cid, display = a_conversation(hub)
    sender.typed(cid)
    sender.step()
    sender.typed(cid, private=True)  # the composer switched to a private note
    sender.step()
    sender.stopped()  # sent
    sender.step()
    log = [(e["typing_status"], e["is_private"]) for e in hub.state.typing_log]
    assert log == [("on", False), ("off", False), ("on", True), ("off", True)]
    assert all(e["conversation_id"] == display for e in hub.state.typing_log)


def test_nothing_is_sent_offline_or_queued_for_later(hub):
    clock = Clock()
    sender = TypingSender(HubLink(hub.ws.db, hub.ws.secrets), clock=clock)
    cid, _display = a_conversation(hub)
    with hub.ws.db.write() as conn:
        account_store.set_state(conn, hub.account_id, Connectivity.OFFLINE)
    sender.typed(cid)
    sender.step()
    with hub.ws.db.write() as conn:
        account_store.set_state(conn, hub.account_id, Connectivity.ONLINE)
    sender.stopped()
    sender.step()
    assert hub.state.typing_log == [] and sender.sent == []


def test_a_failing_hub_or_an_unknown_conversation_is_silent(hub, caplog):
    caplog.set_level(logging.INFO, logger="deskapp.services.hub_link")
    clock = Clock()
    link = HubLink(hub.ws.db, hub.ws.secrets)
    sender = TypingSender(link, clock=clock)
    sender.typed(987654)  # no such conversation in the cache
    sender.step()
    hub.demo.stop()  # the hub is gone: connection refused
    cid, _display = a_conversation(hub)
    sender.typed(cid)
    sender.step()
    assert sender.sent == []
    assert "typing status" in caplog.text


def test_the_worker_thread_sends_on_its_own(hub):
    sender = TypingSender(HubLink(hub.ws.db, hub.ws.secrets))
    cid, _display = a_conversation(hub)
    sender.typed(cid)
    deadline = time.monotonic() + 10
    while not hub.state.typing_log and time.monotonic() < deadline:
        time.sleep(0.05)
    sender.close()  # says off on the way out
    assert [e["typing_status"] for e in hub.state.typing_log] == ["on", "off"]

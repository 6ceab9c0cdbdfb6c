"""The supervisor's floor: workload, availability, SLA at risk with the time left, the unassigned queue,
reassigning through the outbox and setting availability where the hub allows it (the demo hub, loopback)."""

from __future__ import annotations

import pytest

from deskapp.services.actions import ActionService
from deskapp.services.floor import FloorError, FloorService
from deskapp.services.hub_link import HubLink
from deskapp.services.presence import PresenceBoard
from deskapp.store.outbox import OutboxStore
from tests.services import hub_fixture
from tests.store.floor_fill import NOW, fill_floor

hub, hub_ws, supervisor_hub = hub_fixture.hub, hub_fixture.hub_ws, hub_fixture.supervisor_hub  # the fixtures


@pytest.fixture
def actions(db, profile, data_dir):
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    yield ActionService(db, outbox, profile)
    outbox.close()


def test_snapshot_shows_workload_waits_and_clocks(db):
    fill_floor(db, agents=3, per_agent=4, unassigned=3)
    board = PresenceBoard()
    board.seed_availability(1, {"1": "online", "2": "busy"})
    board.on_event(1, "presence.update", {"account_id": 1, "users": {"1": "online", "2": "busy"}})
    floor = FloorService(db, board).snapshot(now=NOW)
    assert [(a.name, a.availability, a.open, a.pending, a.snoozed, a.oldest_waiting_since) for a in floor.agents] == [
        ("Ada Admin", "online", 2, 1, 1, NOW - 600), ("Agent 002", "busy", 2, 1, 1, NOW - 1200),
        ("Agent 003", "offline", 2, 1, 1, NOW - 1800)]
    # web chat's target is 120 s: 30 s left is past half of it; the unassigned one is 10 s over
    assert [(q.conversation_id, q.seconds_left, q.sla_state, q.assignee) for q in floor.at_risk] == [
        (13, -10, "breaching", ""), (1, 30, "at_risk", "Ada Admin"), (5, 30, "at_risk", "Agent 002"),
        (9, 30, "at_risk", "Agent 003")]
    assert [(q.conversation_id, q.waiting_since, q.channel) for q in floor.unassigned] == [
        (15, NOW - 900, "whatsapp"), (14, NOW - 600, "email"), (13, NOW - 300, "web_chat")]
    assert floor.unassigned_by_channel == {"whatsapp": 1, "email": 1, "web_chat": 1}
    later = FloorService(db, board).snapshot(now=NOW + 20)
    assert [q.seconds_left for q in later.at_risk] == [-30, 10, 10, 10]


def test_an_empty_cache_is_an_empty_floor(db):
    floor = FloorService(db, PresenceBoard()).snapshot(now=NOW)
    assert (floor.agents, floor.at_risk, floor.unassigned, floor.unassigned_by_channel) == ([], [], [], {})


def test_reassign_queues_one_assign_per_conversation_in_the_outbox(db, actions):
    fill_floor(db, agents=3, per_agent=4, unassigned=3)
    service = FloorService(db, PresenceBoard(), actions=actions)
    result = service.reassign([13, 14], 3)
    items = [i for i in actions.outbox.open_items() if i.kind == "assign"]
    assert len(result.client_ids) == 2 and len(items) == 2
    assert {i.payload["assignee_external_id"] for i in items} == {"3"}
    after = service.snapshot(now=NOW)  # applied to the cache at once
    assert [q.conversation_id for q in after.unassigned] == [15]
    assert next(a for a in after.agents if a.id == 3).open == 4
    with pytest.raises(FloorError, match="no conversation"):
        service.reassign([], 3)
    with pytest.raises(FloorError, match="outbox"):
        FloorService(db, PresenceBoard()).reassign([13], 3)


def test_an_administrator_sets_anyones_availability_on_the_hub(supervisor_hub):
    ws = supervisor_hub.ws
    board = PresenceBoard()
    service = FloorService(ws.db, board, link=HubLink(ws.db, ws.secrets))
    assert service.refresh_availability() == 1
    floor = service.snapshot()
    assert {a.availability for a in floor.agents} == {"online"}
    other = next(a for a in floor.agents if not a.is_me)
    assert service.may_set_availability(other, service.my_roles())
    assert service.set_availability(other, "busy")
    assert supervisor_hub.state.availability[int(other.external_id)] == "busy"
    assert board.availability(other.account_id, other.external_id) == "busy"
    with pytest.raises(FloorError, match="availability is one of"):
        service.set_availability(other, "away")


def test_an_agent_sets_only_their_own_availability(hub):
    ws = hub.ws
    service = FloorService(ws.db, PresenceBoard(), link=HubLink(ws.db, ws.secrets))
    floor = service.snapshot()
    me = next(a for a in floor.agents if a.is_me)
    other = next(a for a in floor.agents if not a.is_me)
    assert not service.may_set_availability(other, service.my_roles())
    with pytest.raises(FloorError, match="only an administrator"):
        service.set_availability(other, "offline")
    assert service.set_availability(me, "busy")
    assert hub.state.availability == {int(me.external_id): "busy"}
    assert service.refresh_availability() == 1
    assert service.snapshot().agents[[a.id for a in floor.agents].index(me.id)].availability == "busy"
    hub.demo.stop()
    service.link = HubLink(ws.db, ws.secrets)  # a new connection (a kept-alive one may outlive the server)
    assert not service.set_availability(me, "online")  # the hub is gone: not taken, no exception
    assert service.refresh_availability() == 0

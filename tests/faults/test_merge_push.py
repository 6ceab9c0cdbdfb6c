"""A confirmed customer merge goes through the outbox like every action: the cache merges at once (also
offline), the hub merges the two Chatwoot contacts exactly once when it is back, even after a crash
before its acknowledgement was written, and a merge the hub refuses is a visible conflict that never
undoes the agent's local decision."""

from __future__ import annotations

import pytest

from deskapp.connectors.chatwoot_push import GONE_BASE
from deskapp.domain import OutboxKind, OutboxState
from tests.faults.conftest import trim_world
from tests.faults.stack import Stack, api


@pytest.fixture
def synced(tmp_path, demo_server):
    """(server, info, stack): a cache synced from the first 100 conversations of the demo hub."""
    server, info = demo_server
    trim_world(server, 100)
    stack = Stack(tmp_path / "data", info)
    stack.sync()
    yield server, info, stack
    stack.close()


def _proposals(stack: Stack) -> list[tuple[int, int, int, str, str]]:
    """(proposal, customer, other customer, their one Chatwoot contact each) for pending proposals."""
    with stack.db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT p.id, p.customer_id, p.other_customer_id,"
            " (SELECT min(external_id) FROM contact WHERE customer_id = p.customer_id),"
            " (SELECT min(external_id) FROM contact WHERE customer_id = p.other_customer_id)"
            " FROM merge_proposal p WHERE p.state = 'pending'"
            " AND (SELECT count(*) FROM contact WHERE customer_id = p.customer_id) = 1"
            " AND (SELECT count(*) FROM contact WHERE customer_id = p.other_customer_id) = 1 ORDER BY p.id").all()
    return [tuple(r) for r in rows]


def _customer_of_contact(stack: Stack, external_id: str) -> int:
    with stack.db.read() as conn:
        return conn.exec_driver_sql("SELECT customer_id FROM contact WHERE external_id = ?", (external_id,)).scalar()


def test_merge_reaches_the_hub_once_even_after_a_crash_before_the_ack(synced):
    server, _info, stack = synced
    conversations = server.state.world.conversations
    talked = {c.contact_id for c in conversations}
    # the side whose contact has conversations is merged away (which side a proposal names first follows
    # the order the records arrived in)
    proposal, keep, gone, base, mergee = next(
        (p if int(p[4]) in talked else (p[0], p[2], p[1], p[4], p[3]))
        for p in _proposals(stack) if talked & {int(p[3]), int(p[4])})
    moved = [c.id for c in conversations if c.contact_id == int(mergee)]

    server.set_faults(outage=True)  # the agent decides while the hub is down
    [client_id] = stack.actions.merge(proposal, keep)
    assert _customer_of_contact(stack, mergee) == keep  # one customer in the cache at once
    with stack.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM customer WHERE id = ?", (gone,)).scalar() == 0
    item = stack.outbox.get(client_id)
    assert item.kind == OutboxKind.MERGE and item.payload == {"base_contact_id": base, "mergee_contact_id": mergee}
    assert stack.replay().stopped == "offline" and not server.state.merged_contacts

    server.set_faults()
    # A crash between "the hub applied it" and "the outbox knows": the push lands, the ack is never written.
    assert stack.connector().push(stack.outbox.get(client_id).to_item()).ok
    assert server.state.merged_contacts == {int(mergee): int(base)}
    assert stack.outbox.get(client_id).state == OutboxState.PENDING

    stack.drain()  # the restarted replay checks first: the mergee is gone, so it is not merged again
    assert stack.outbox.get(client_id).state == OutboxState.DONE
    assert server.state.pushes["contact_merge"] == 1  # checked first: never merged twice
    assert all(server.state.conversation(cid).contact_id == int(base) for cid in moved)

    stack.sync()  # the hub's new shape pulled back: still one customer with all the conversations
    with stack.db.read() as conn:
        marks = ",".join("?" * len(moved))
        owners = {r[0] for r in conn.exec_driver_sql(
            f"SELECT customer_id FROM conversation WHERE external_id IN ({marks})", tuple(map(str, moved)))}
    assert owners == {keep}


def test_merge_the_hub_refuses_is_a_conflict_and_the_local_merge_stands(synced):
    server, info, stack = synced
    proposals = _proposals(stack)
    proposal, keep, _gone, base, mergee = proposals[0]
    third = next(p[3] for p in proposals[1:] if base not in (p[3], p[4]) and mergee not in (p[3], p[4]))
    # meanwhile another agent merged our kept contact into a third one: it no longer exists on the hub
    answer = api(info, "POST", "/actions/contact_merge",
                 json={"base_contact_id": int(third), "mergee_contact_id": int(base)})
    assert answer.status_code == 200

    [client_id] = stack.actions.merge(proposal, keep)
    stack.replay()
    # Chatwoot finds both contacts first (contacts.find): the one to keep is gone, so 404, and nothing moved
    item = stack.outbox.get(client_id)
    assert item.state == OutboxState.CONFLICT and item.conflict == GONE_BASE, item
    assert f"Contact {base}, the one to keep, no longer exists" in item.last_error and mergee in item.last_error
    assert server.state.pushes["contact_merge"] == 1  # only the other agent's
    assert int(mergee) not in server.state.merged_contacts

    assert stack.actions.discard(client_id)  # settled by the agent
    assert stack.outbox.get(client_id) is None
    assert _customer_of_contact(stack, mergee) == keep  # the agent's decision in the cache stands


def test_merge_without_two_hub_contacts_is_local_only(synced):
    """A proposal that is no longer pending is refused; with contacts in no common account nothing is queued."""
    _server, _info, stack = synced
    proposal, keep, _gone, _base, mergee = _proposals(stack)[0]
    with stack.db.write() as conn:  # the other side's contact belongs to an account of another hub
        conn.exec_driver_sql("INSERT INTO account (kind, name, base_url, created_at) VALUES"
                             " ('chatwoot', 'other hub', 'http://127.0.0.1:9', 0)")
        other = conn.exec_driver_sql("SELECT max(id) FROM account").scalar()
        conn.exec_driver_sql("UPDATE contact SET account_id = ? WHERE external_id = ?", (other, mergee))
    assert stack.actions.merge(proposal, keep) == []
    assert _customer_of_contact(stack, mergee) == keep and stack.open_count() == 0
    with pytest.raises(ValueError, match="no longer pending"):  # a settled proposal is not merged twice
        stack.actions.merge(proposal, keep)

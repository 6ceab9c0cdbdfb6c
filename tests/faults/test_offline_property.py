"""Property: any interleaving of local actions, remote changes, disconnects, syncs and restarts ends
with the cache equal to the server's state plus the pending outbox; after reconnecting, equal to the
server's state with every queued message on the server exactly once.
"""

from __future__ import annotations

import itertools

import pytest
import requests
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from deskapp.bootstrap import build_sync_engine
from deskapp.demo.state import ACTIVITY
from deskapp.domain import OutboxKind
from deskapp.sync.replay import reapply_hook
from tests.faults.stack import Stack, api, server_markers

CONVS = 3  # the conversations every example plays with (the first open ones)
STATUSES = ("open", "resolved", "pending")
PRIORITIES = ("none", "low", "high", "urgent")
LABELS = ("vip", "escalated", "refund")  # the account's own: Chatwoot v4 drops labels an account lacks

local = st.one_of(
    st.tuples(st.just("reply"), st.integers(0, CONVS - 1)),
    st.tuples(st.just("note"), st.integers(0, CONVS - 1)),
    st.tuples(st.just("status"), st.integers(0, CONVS - 1), st.sampled_from(STATUSES)),
    st.tuples(st.just("priority"), st.integers(0, CONVS - 1), st.sampled_from(PRIORITIES)),
    st.tuples(st.just("labels"), st.integers(0, CONVS - 1), st.sets(st.sampled_from(LABELS), max_size=2)),
)
remote = st.one_of(
    st.tuples(st.just("remote_status"), st.integers(0, CONVS - 1), st.sampled_from(STATUSES)),
    st.tuples(st.just("remote_priority"), st.integers(0, CONVS - 1), st.sampled_from(PRIORITIES)),
    st.tuples(st.just("remote_message"), st.integers(0, CONVS - 1)),
)
control = st.sampled_from([("disconnect",), ("reconnect",), ("sync",), ("restart",)])
operations = st.lists(st.one_of(local, local, remote, control), min_size=4, max_size=14)

_counter = itertools.count()


def _server_view(server, external_id: str) -> dict:
    """What the cache should hold of the hub's conversation: every message but the activity notices
    (incoming, outgoing, and templates such as the CSAT survey a resolution sends)."""
    conv = server.state.conversation(int(external_id))
    texts = sorted(m["content"] for m in server.state.messages(conv) if m["message_type"] != ACTIVITY)
    return {"status": conv.status, "priority": conv.priority or "none", "labels": sorted(conv.labels),
            "texts": texts}


def _cache_view(stack: Stack, external_id: str) -> dict:
    state = stack.conversation(external_id)
    with stack.db.read() as conn:
        texts = sorted(r[0] for r in conn.execute(text(
            "SELECT m.text FROM message m JOIN conversation c ON c.id=m.conversation_id"
            " WHERE c.account_id=:a AND c.external_id=:e AND m.direction IN ('in','out','note')"),
            {"a": stack.account_id, "e": external_id}).all())
    return {"status": state["status"], "priority": state["priority"], "labels": state["labels"], "texts": texts}


def _expected(server_view: dict, pending: list) -> dict:
    view = {**server_view, "texts": list(server_view["texts"])}
    for row in pending:
        if row.kind in (OutboxKind.REPLY, OutboxKind.NOTE):
            view["texts"].append(row.payload["text"])
        elif row.kind == OutboxKind.STATUS:
            view["status"] = row.payload["status"]
        elif row.kind == OutboxKind.PRIORITY:
            view["priority"] = row.payload["priority"]
        elif row.kind == OutboxKind.LABEL:
            view["labels"] = sorted(row.payload["labels"])
    view["texts"] = sorted(view["texts"])
    return view


@pytest.fixture(scope="module")
def world(demo_server_module, tmp_path_factory):
    server, info = demo_server_module
    stack = Stack(tmp_path_factory.mktemp("prop") / "data", info)
    stack.sync()
    with stack.db.read() as conn:
        externals = [r[0] for r in conn.exec_driver_sql(
            "SELECT external_id FROM conversation ORDER BY CAST(external_id AS INTEGER) LIMIT ?", (CONVS,)).all()]
    assert len(externals) == CONVS
    yield server, info, stack, externals
    stack.close()


@settings(max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(ops=operations)
def test_cache_is_server_plus_pending_outbox(world, ops):
    server, info, stack, externals = world
    other_agent = next(a["id"] for a in server.state.world.agents if a["id"] != server.state.me_id)
    other_token = f"cw-demo-token-{other_agent}"
    run = next(_counter)
    try:
        for op in ops:
            name = op[0]
            if name in ("reply", "note", "status", "priority", "labels"):
                conv = stack.local_id(externals[op[1]])
                if name == "reply":
                    stack.actions.reply(conv, f"r{run}-{next(_counter)}")
                elif name == "note":
                    stack.actions.note(conv, f"n{run}-{next(_counter)}")
                elif name == "status":
                    stack.actions.set_status(conv, op[2])
                elif name == "priority":
                    stack.actions.set_priority(conv, op[2])
                else:
                    stack.actions.set_labels(conv, sorted(op[2]))
            elif name.startswith("remote_"):
                path = f"/conversations/{externals[op[1]]}"
                if name == "remote_status":
                    api(info, "POST", f"{path}/toggle_status", json={"status": op[2]}, token=other_token)
                elif name == "remote_priority":  # Chatwoot's own UI clears a priority with null
                    api(info, "POST", f"{path}/toggle_priority", token=other_token,
                        json={"priority": None if op[2] == "none" else op[2]})
                else:  # the customer writes through the channel (the API refuses incoming messages: 422)
                    requests.post(f"{info['url']}/demo/conversations/{externals[op[1]]}/incoming", timeout=10,
                                  json={"content": f"customer {run}-{next(_counter)}"}).raise_for_status()
            elif name == "disconnect":
                server.set_faults(outage=True)
            elif name == "reconnect":
                server.set_faults()
            elif name == "sync":
                stack.sync()
            elif name == "restart":
                stack.restart()

        # 1) Back online, pull only (no replay): cache == server + pending outbox.
        server.set_faults()
        puller = build_sync_engine(stack.ws, replay=False, apply_hooks=[reapply_hook(stack.outbox)],
                                   registry=stack.engine.registry)
        puller.sync_account_once(stack.account_id)
        checked_pending = 0
        for ext in externals:
            pending = stack.outbox.items(states=("pending", "sending"), conversation_external_id=ext)
            checked_pending += len(pending)
            assert _cache_view(stack, ext) == _expected(_server_view(server, ext), pending), (ext, ops)
        event(f"pending at the check: {'some' if checked_pending else 'none'}")

        # 2) Replay and pull: cache == server, every queued message there exactly once.
        stack.drain()
        stack.sync()
        for ext in externals:
            assert _cache_view(stack, ext) == _server_view(server, ext), (ext, ops)
        markers = server_markers(server)
        assert all(count == 1 for count in markers.values())
        ours = [r.client_id for r in stack.outbox.items() if r.kind in (OutboxKind.REPLY, OutboxKind.NOTE)]
        assert all(markers.get(c) == 1 for c in ours)
    finally:
        server.set_faults()


"""The real connectors against the real demo backend (deskapp.demo.server.DemoServer) over loopback:
every stream pulled to the end, every kind of push, and the fault switches."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from deskapp.connectors.base import AuthError, PayloadError, TransientError
from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.http import HttpClient
from deskapp.connectors.shopify import ShopifyConnector
from deskapp.domain import (
    Agent,
    Channel,
    Contact,
    Conversation,
    Direction,
    Message,
    Order,
    OutboxItem,
    OutboxKind,
    SurveyResponse,
    Team,
    Template,
)
from tests.demo.conftest import PINNED_NOW

QUEUED_AT = datetime.fromtimestamp(PINNED_NOW, UTC)  # when the outbox items were queued, by the hub's clock


@pytest.fixture(scope="module")
def demo():
    from deskapp.demo.server import DemoServer

    srv = DemoServer(seed=1, scale="small", live=False, port=0, host="127.0.0.1", now=PINNED_NOW)
    info = srv.start()
    yield srv, info
    srv.stop()


@pytest.fixture
def faults(demo):
    srv, _ = demo
    yield srv.set_faults
    srv.set_faults()  # no arguments: every fault off again


def client(url: str, headers: dict, sleeps, **kw) -> HttpClient:
    kw.setdefault("timeout", (2.0, 5.0))
    return HttpClient(url, headers, sleep=sleeps if callable(sleeps) else sleeps.append, **kw)


def chatwoot(info: dict, sleeps: list | None = None, **kw) -> ChatwootConnector:
    http = client(info["url"], {"api_access_token": info["chatwoot_token"]}, [] if sleeps is None else sleeps, **kw)
    return ChatwootConnector(info["url"], info["chatwoot_account_id"], info["chatwoot_token"], http=http)


def shopify(info: dict, sleeps: list | None = None, **kw) -> ShopifyConnector:
    http = client(info["shop_url"], {"X-Shopify-Access-Token": info["shopify_token"]},
                  [] if sleeps is None else sleeps, **kw)
    return ShopifyConnector(info["shop_url"], info["shopify_token"], http=http)


def drain(conn, stream: str, cursor: str | None = None) -> tuple[list, str | None]:
    items: list = []
    for _ in range(10_000):
        batch = conn.pull(stream, cursor)
        items += batch.items
        cursor = batch.next_cursor if batch.next_cursor is not None else cursor
        if batch.done:
            return items, cursor
    raise AssertionError(f"{stream} never finished")


def item(kind: OutboxKind, conversation: str, payload: dict) -> OutboxItem:
    return OutboxItem(str(uuid.uuid4()), 1, conversation, kind, payload, QUEUED_AT)


@pytest.fixture(scope="module")
def pulled(demo):
    """Every Chatwoot stream pulled once from the start, as the engine would."""
    _, info = demo
    conn = chatwoot(info)
    out = {stream: drain(conn, stream) for stream in conn.streams()}
    return conn, out


def test_every_chatwoot_stream_pulls_to_the_end(demo, pulled):
    srv, _ = demo
    _, out = pulled
    me = out["profile"][0]
    assert len(me) == 1 and isinstance(me[0], Agent) and me[0].is_me and me[0].role in ("agent", "administrator")
    agents = out["agents"][0]
    assert len(agents) == len(srv.state.world.agents) and sum(a.is_me for a in agents) == 1
    assert all(isinstance(t, Team) for t in out["teams"][0]) and len(out["teams"][0]) == len(srv.state.world.teams)
    assert out["inboxes"][0] == []
    contacts = out["contacts"][0]
    assert {c.external_id for c in contacts} == {str(c.id) for c in srv.state.world.contacts}
    assert all(isinstance(t, Template) and t.body for t in out["canned_responses"][0])
    convs = [c for c in out["conversations"][0] if isinstance(c, Conversation)]
    assert {c.external_id for c in convs} == {str(c.id) for c in srv.state.conversations}
    assert Counter(c.channel for c in convs).keys() >= {Channel.EMAIL, Channel.WEB_CHAT, Channel.WHATSAPP,
                                                        Channel.INSTAGRAM, Channel.MESSENGER, Channel.SMS}
    assert all(isinstance(c, Contact) for c in out["conversations"][0] if not isinstance(c, Conversation))
    surveys = out["csat"][0]
    assert surveys and all(isinstance(s, SurveyResponse) and 1 <= s.score <= 5 for s in surveys)
    assert len(surveys) == len(srv.state.csat)


def test_messages_of_every_kind_pull_whole(demo, pulled):
    srv, _ = demo
    conn, out = pulled
    convs = [c for c in out["conversations"][0] if isinstance(c, Conversation)]
    longest = sorted(srv.state.conversations, key=lambda c: len(srv.state.messages(c)))[-40:]
    directions: Counter = Counter()
    for conv in longest:
        messages, cursor = drain(conn, f"messages/{conv.id}")
        messages = [m for m in messages if isinstance(m, Message)]  # the senders' contacts come first
        expected = [m["id"] for m in srv.state.messages(conv)]
        assert [int(m.external_id) for m in messages] == expected
        assert cursor == str(expected[-1])
        directions.update(m.direction for m in messages)
        again, same_cursor = drain(conn, f"messages/{conv.id}", cursor)  # the latest page, read again
        again = [m for m in again if isinstance(m, Message)]
        assert same_cursor == cursor and all(int(m.external_id) <= int(cursor) for m in again)
    assert directions[Direction.IN] and directions[Direction.OUT]
    assert len(convs) == len(srv.state.conversations)


def test_incremental_conversations_pick_up_a_change(pulled):
    conn, out = pulled
    cursor = out["conversations"][1]
    target = next(c for c in out["conversations"][0] if isinstance(c, Conversation))
    assert conn.push(item(OutboxKind.LABEL, target.external_id, {"labels": ["vip", "refund"]})).ok
    changed, _ = drain(conn, "conversations", cursor)
    mine = [c for c in changed if isinstance(c, Conversation) and c.external_id == target.external_id]
    assert mine and set(mine[-1].labels) == {"vip", "refund"}


def test_every_push_kind_lands_once(demo):
    srv, info = demo
    conn = chatwoot(info)
    conv = str(next(c.id for c in srv.state.conversations if c.status == "open"))
    reply = item(OutboxKind.REPLY, conv, {"text": "Your parcel left our warehouse today."})
    note = item(OutboxKind.NOTE, conv, {"text": "Customer is a VIP."})
    first = conn.push(reply)
    assert first.ok and first.external_id
    # the outbox's replay of an item whose ack was lost (attempts > 0): found, not resent
    assert conn.push(replace(reply, attempts=1)).external_id == first.external_id
    assert conn.push(note).ok
    landed = [m for m in srv.state.received_messages
              if m["content_attributes"].get("deskapp_client_id") in (reply.client_id, note.client_id)]
    assert len(landed) == 2 and [m["private"] for m in landed] == [False, True]
    messages, _ = drain(conn, f"messages/{conv}")
    by_client = {m.client_id: m for m in messages if isinstance(m, Message) and m.client_id}
    assert by_client[reply.client_id].direction is Direction.OUT
    assert by_client[note.client_id].direction is Direction.NOTE

    agent = str(srv.state.world.agents[0]["id"])
    team = str(srv.state.world.teams[0]["id"])
    until = datetime.fromtimestamp(srv.state.now(), UTC) + timedelta(days=1)
    state = srv.state.conversation(int(conv))
    for kind, payload in ((OutboxKind.ASSIGN, {"assignee_external_id": agent, "team_external_id": team}),
                          (OutboxKind.LABEL, {"labels": ["refund"]}), (OutboxKind.PRIORITY, {"priority": "high"}),
                          (OutboxKind.SNOOZE, {"until": until.isoformat()}),
                          (OutboxKind.STATUS, {"status": "open"}), (OutboxKind.STATUS, {"status": "resolved"})):
        result = conn.push(item(kind, conv, payload))
        assert result.ok, (kind, result)
        if kind is OutboxKind.ASSIGN:
            assert (str(state.assignee_id), str(state.team_id)) == (agent, team)
        if kind is OutboxKind.SNOOZE:
            assert (state.status, state.snoozed_until) == ("snoozed", int(until.timestamp()))
    # An agent (role "agent") who opens a conversation takes it: ConversationsController#toggle_status
    # (handle_human_open) assigns Current.user, so the token's agent replaced the one assigned above.
    me = str(info["me_agent_id"])
    assert me != agent and srv.state.agent(int(me))["role"] == "agent"
    assert (state.status, state.priority, list(state.labels), str(state.assignee_id), str(state.team_id)) == (
        "resolved", "high", ["refund"], me, team)
    assert conn.push(item(OutboxKind.STATUS, "999999", {"status": "resolved"})).conflict == "deleted"


def test_conflicting_status_push_is_a_conflict(demo, faults):
    srv, info = demo
    conv = str(next(c.id for c in srv.state.conversations if c.status == "open"))
    faults(conflict_resolved=True)
    result = chatwoot(info).push(item(OutboxKind.STATUS, conv, {"status": "pending"}))
    assert not result.ok and result.conflict == "status is resolved"


class BucketClock(list):
    """The connector's sleep: records each wait and, instead of waiting it out, refills the demo shop's
    cost bucket as that much time would."""

    def __init__(self, srv) -> None:
        super().__init__()
        self.srv = srv

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.srv.set_faults(shopify_bucket=2000)


def test_shopify_orders_and_customers(demo, faults):
    srv, info = demo
    clock = BucketClock(srv)
    conn = shopify(info, clock)
    srv.set_faults(shopify_bucket=0)  # an empty bucket: the first query must wait for it to refill
    customers, _ = drain(conn, "customers")
    records, cursor = drain(conn, "orders")
    orders = [r for r in records if isinstance(r, Order)]
    assert len({o.external_id for o in orders}) == len(srv.state.world.orders)
    assert customers and all(isinstance(c, Contact) for c in customers)
    assert {c.external_id for c in customers} >= {o.customer_external_id for o in orders if o.customer_external_id}
    assert any(o.tracking_numbers for o in orders) and all(o.currency and o.number for o in orders)
    assert clock and all(0 < s < 30 for s in clock)  # it was throttled, and waited what the bucket said
    assert srv.state.faults_injected["THROTTLED"] >= 1
    again, _ = drain(conn, "orders", cursor)  # incremental: only what changed in the margin, if anything
    assert len(again) < len(records)


def test_faults_rate_limit_5xx_and_outage(demo, faults):
    _, info = demo
    sleeps: list[float] = []
    faults(rate_limit=True, retry_after=2)
    with pytest.raises(TransientError):
        chatwoot(info, sleeps, max_attempts=3).pull("teams", None)
    assert sleeps == [2.0, 2.0]
    faults(outage=True)
    with pytest.raises(TransientError):
        chatwoot(info, [], max_attempts=2).pull("teams", None)
    faults(error_rate=0.5)
    assert chatwoot(info, [], max_attempts=12).pull("teams", None).done


def test_faults_auth_truncation_reset_and_hang(demo, faults):
    _, info = demo
    faults(revoke_tokens=True)
    with pytest.raises(AuthError):
        chatwoot(info).pull("profile", None)
    with pytest.raises(AuthError):
        shopify(info).pull("orders", None)
    faults(truncate_json=True)
    with pytest.raises(PayloadError):
        chatwoot(info).pull("agents", None)
    faults(reset_mid_body=True)
    with pytest.raises(TransientError):
        chatwoot(info, [], max_attempts=2).pull("agents", None)
    faults(hang_s=1.0)
    with pytest.raises(TransientError):
        chatwoot(info, [], max_attempts=2, timeout=(1.0, 0.2)).pull("agents", None)

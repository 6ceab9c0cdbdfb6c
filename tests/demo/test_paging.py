"""Paging and incremental reads behave as Chatwoot v4.10's server code and Shopify's docs say (the parts the
published specs leave out): page sizes, sort orders, updated_within, message id cursors, Relay cursors."""

from __future__ import annotations

from deskapp.demo.server import DemoServer
from tests.demo.conftest import DemoClient

ORDERS_PAGE = """query($after: String, $q: String, $sort: OrderSortKeys, $reverse: Boolean) {
  orders(first: 100, after: $after, sortKey: $sort, query: $q, reverse: $reverse) {
    pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id name updatedAt createdAt } } }"""


def _all_conversations(client: DemoClient, **params: object) -> list[dict]:
    out, page = [], 1
    while True:
        body = client.get(client.acc + "/conversations", page=page, **params).json()["data"]
        if not body["payload"]:
            return out
        assert len(body["payload"]) <= 25
        out.extend(body["payload"])
        page += 1


def test_conversation_pages_cover_everything_once(client: DemoClient, demo: DemoServer) -> None:
    got = _all_conversations(client, status="all")
    assert len(got) == len({c["id"] for c in got}) == 2000
    assert [c["last_activity_at"] for c in got] == sorted((c["last_activity_at"] for c in got), reverse=True)
    first = client.get(client.acc + "/conversations", status="all").json()["data"]
    assert len(first["payload"]) == 25 and first["meta"]["all_count"] == 2000
    meta = first["meta"]
    assert meta["assigned_count"] + meta["unassigned_count"] == 2000
    assert meta["mine_count"] == sum(c.assignee_id == demo.state.me_id for c in demo.state.conversations)


def test_default_status_is_open_and_filters_apply(client: DemoClient, demo: DemoServer) -> None:
    open_ = _all_conversations(client)
    assert open_ and {c["status"] for c in open_} == {"open"}
    assert len(open_) == sum(c.status == "open" for c in demo.state.conversations)
    mine = _all_conversations(client, status="all", assignee_type="me")
    assert {c["meta"]["assignee"]["id"] for c in mine} == {demo.state.me_id}
    unassigned = _all_conversations(client, status="all", assignee_type="unassigned")
    assert all("assignee" not in c["meta"] for c in unassigned)
    inbox = _all_conversations(client, status="all", inbox_id=3)
    assert {c["inbox_id"] for c in inbox} == {3} and {c["meta"]["channel"] for c in inbox} == {"Channel::Whatsapp"}
    labelled = client.get(client.acc + "/conversations", **{"status": "all", "labels[]": "refund"}).json()
    assert all("refund" in c["labels"] for c in labelled["data"]["payload"])


def test_sort_by(client: DemoClient) -> None:
    for sort_by, field, reverse in (("created_at_asc", "created_at", False), ("created_at_desc", "created_at", True),
                                    ("last_activity_at_asc", "last_activity_at", False)):
        payload = client.get(client.acc + "/conversations", status="all", sort_by=sort_by).json()["data"]["payload"]
        values = [c[field] for c in payload]
        assert values == sorted(values, reverse=reverse), sort_by
    payload = client.get(client.acc + "/conversations", status="all", sort_by="priority_desc").json()["data"]["payload"]
    assert payload[0]["priority"] == "urgent"


def test_updated_within_is_unpaginated_and_sees_changes(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    everything = c.get(c.acc + "/conversations", status="all", updated_within=100 * 86400).json()["data"]["payload"]
    assert len(everything) == 2000  # all of them, no 25-item page
    recent = c.get(c.acc + "/conversations", status="all", updated_within=3600).json()["data"]["payload"]
    cutoff = fresh.state.now() - 3600  # the hub's own clock, pinned: never the wall clock
    assert all(x["updated_at"] > cutoff - 1 for x in recent)
    expected = sum(conv.updated_at > cutoff for conv in fresh.state.conversations)
    assert abs(len(recent) - expected) <= 1
    old = max(fresh.state.conversations, key=lambda conv: -conv.updated_at)  # the stalest conversation
    assert c.post(f"{c.acc}/conversations/{old.id}/labels", {"labels": ["follow-up"]}).status_code == 200
    again = c.get(c.acc + "/conversations", status="all", updated_within=60).json()["data"]["payload"]
    assert old.id in {x["id"] for x in again}
    only_open = c.get(c.acc + "/conversations", updated_within=100 * 86400).json()["data"]["payload"]
    assert {x["status"] for x in only_open} == {"open"}  # the status filter still applies


def test_message_cursors(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    conv = max(fresh.state.conversations, key=lambda x: x.n_seeded)
    path = f"{c.acc}/conversations/{conv.id}/messages"
    for i in range(130):  # more than a page of `after=` and of the default
        assert c.post(path, {"content": f"msg {i}", "private": i % 2 == 0}).status_code == 200
    every = [m["id"] for m in fresh.state.messages(conv)]
    latest = [m["id"] for m in c.get(path).json()["payload"]]
    assert latest == every[-20:]
    older = [m["id"] for m in c.get(path, before=latest[0]).json()["payload"]]
    assert older == every[-40:-20]
    after = [m["id"] for m in c.get(path, after=every[0]).json()["payload"]]
    assert after == every[1:101]  # up to 100 newer, oldest first
    assert c.get(path, after=every[-1]).json()["payload"] == []
    both = [m["id"] for m in c.get(path, after=every[2], before=every[-3]).json()["payload"]]
    assert both == every[2:-3]  # MessageFinder#messages_between: after <= id < before
    # walking with after= from nothing reaches every message exactly once
    seen, cursor = [], 0
    while True:
        page = c.get(path, after=cursor).json()["payload"]
        if not page:
            break
        seen += [m["id"] for m in page]
        cursor = page[-1]["id"]
    assert seen == every


def test_contacts_pages_and_sorts(client: DemoClient, demo: DemoServer) -> None:
    ids, page = [], 1
    while True:
        body = client.get(client.acc + "/contacts", page=page, sort="name").json()
        if not body["payload"]:
            break
        assert len(body["payload"]) <= 15 and body["meta"]["current_page"] == str(page)
        ids += [x["id"] for x in body["payload"]]
        page += 1
    assert sorted(ids) == list(range(1, len(demo.state.world.contacts) + 1))
    names = [x["name"].lower() for x in client.get(client.acc + "/contacts", sort="-name").json()["payload"]]
    assert names == sorted(names, reverse=True)
    assert body["meta"]["count"] == len(demo.state.world.contacts)


def test_csat_pages_and_window(client: DemoClient, demo: DemoServer) -> None:
    rows, page = [], 1
    while True:
        chunk = client.get(client.acc + "/csat_survey_responses", page=page).json()
        if not chunk:
            break
        assert isinstance(chunk, list) and len(chunk) <= 25
        rows += chunk
        page += 1
    assert len(rows) == len(demo.state.csat) and len({r["id"] for r in rows}) == len(rows)
    row = rows[0]
    assert {"id", "rating", "feedback_message", "message_id", "conversation_id", "contact", "created_at"} <= set(row)
    conv = demo.state.conversation(row["conversation_id"])
    assert row["message_id"] in {m["id"] for m in demo.state.messages(conv)}
    mid = rows[len(rows) // 2]["created_at"]
    later = client.get(client.acc + "/csat_survey_responses", since=mid).json()
    assert later and all(r["created_at"] >= mid for r in later)


def test_shopify_cursors_walk_every_order_once(client: DemoClient) -> None:
    seen, after, pages = [], None, 0
    while True:
        body = client.graphql(ORDERS_PAGE, {"after": after, "sort": "UPDATED_AT"}).json()
        assert "errors" not in body, body
        conn = body["data"]["orders"]
        seen += [(n["updatedAt"], n["id"]) for n in conn["nodes"]]
        pages += 1
        assert conn["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert pages == 15 and len(seen) == len({i for _, i in seen}) == 1500
    assert seen == sorted(seen, key=lambda x: (x[0], int(x[1].rsplit("/", 1)[1])))


def test_shopify_updated_at_filter(client: DemoClient, demo: DemoServer) -> None:
    orders = demo.state.world.orders
    pivot = sorted(o.updated_at for o in orders)[-150]
    from deskapp.demo.shopify_nodes import iso

    body = client.graphql(ORDERS_PAGE, {"q": f"updated_at:>'{iso(pivot)}'", "sort": "UPDATED_AT"}).json()
    nodes = body["data"]["orders"]["nodes"]
    assert len(nodes) == min(100, sum(o.updated_at > pivot for o in orders)) == 100
    assert all(n["updatedAt"] > iso(pivot) for n in nodes)
    reverse = client.graphql(ORDERS_PAGE, {"sort": "CREATED_AT", "reverse": True}).json()["data"]["orders"]["nodes"]
    created = [n["createdAt"] for n in reverse]
    assert created == sorted(created, reverse=True)
    name = client.graphql(ORDERS_PAGE, {"q": "name:#1010"}).json()["data"]["orders"]["nodes"]
    assert [n["name"] for n in name] == ["#1010"]
    body = client.graphql("{ orders(last: 3, sortKey: ORDER_NUMBER) { nodes { name } pageInfo { hasPreviousPage } } }")
    orders_last = body.json()["data"]["orders"]
    assert [n["name"] for n in orders_last["nodes"]] == ["#2498", "#2499", "#2500"]
    assert orders_last["pageInfo"]["hasPreviousPage"]
    bad = client.graphql(ORDERS_PAGE, {"after": "not-a-cursor"}).json()
    assert bad["errors"]

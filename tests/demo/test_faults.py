"""Each fault switch does what INTERFACES.md promises, over HTTP and in-process, and resets cleanly."""

from __future__ import annotations

import time

import pytest
import requests

from deskapp.demo.faults import Faults
from deskapp.demo.server import DemoServer
from tests.demo.conftest import DemoClient

CHEAP = "{ orders(first: 1) { nodes { id } } }"


def _faults(c: DemoClient, body: dict, method: str = "POST") -> requests.Response:
    return c.session.request(method, c.url + "/demo/faults", json=body, timeout=10)


def test_faults_read_set_merge_reset(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    assert c.session.get(c.url + "/demo/faults", timeout=10).json()["outage"] is False
    assert _faults(c, {"latency_ms": 5, "rate_limit": True}).json()["rate_limit"] is True
    merged = _faults(c, {"retry_after": 3}, "PATCH").json()
    assert merged["rate_limit"] is True and merged["retry_after"] == 3 and merged["latency_ms"] == 5
    replaced = _faults(c, {"outage": True}).json()
    assert replaced["outage"] and not replaced["rate_limit"] and replaced["retry_after"] is None
    reset = _faults(c, {}).json()
    assert reset == Faults().to_json() and not reset["outage"] and reset["throttle_limit"] is None
    assert c.get(c.acc + "/agents").status_code == 200
    for bad in ({"outrage": True}, {"error_rate": 2}, {"outage": "yes"}, {"latency_ms": -1}, {"scope": "x"},
                {"latency_ms": True}, [1], {"throttle_limit": 0}, {"throttle_period": -5}):
        assert _faults(c, bad).status_code == 400, bad
    assert c.session.post(c.url + "/demo/faults", data=b"{", timeout=10).status_code == 400
    fresh.set_faults(revoke_tokens=True)
    assert c.get(c.acc + "/agents").status_code == 401
    fresh.set_faults()
    assert c.get(c.acc + "/agents").status_code == 200


def test_outage_answers_503_and_applies_nothing(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(outage=True, retry_after=7)
    r = c.post(c.acc + "/conversations/5/messages", {"content": "lost?"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "7"
    assert c.graphql(CHEAP).status_code == 503
    assert fresh.state.received_messages == [] and not fresh.state.pushes
    assert c.session.get(c.url + "/demo/stats", timeout=10).status_code == 200  # the control plane stays up
    assert fresh.state.stats()["faults_injected"]["503"] == 2


def test_rate_limit_with_and_without_retry_after(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(rate_limit=True)
    r = c.get(c.acc + "/conversations")
    assert r.status_code == 429 and "Retry-After" not in r.headers  # Chatwoot's own 429 has none
    assert r.headers["Content-Type"].startswith("text/plain") and r.text == "Retry later\n"
    fresh.set_faults(rate_limit=True, retry_after=2)
    assert c.get(c.acc + "/conversations").headers["Retry-After"] == "2"
    fresh.set_faults(rate_limit=True, retry_after="Wed, 21 Oct 2026 07:28:00 GMT")
    assert c.graphql(CHEAP).headers["Retry-After"] == "Wed, 21 Oct 2026 07:28:00 GMT"


def test_error_rate(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(error_rate=1.0)
    codes = {c.get(c.acc + "/agents").status_code for _ in range(30)}
    assert codes <= {500, 502, 503} and len(codes) >= 2
    r = next(r for r in (c.get(c.acc + "/agents") for _ in range(60)) if r.status_code == 502)
    assert r.headers["Content-Type"].startswith("text/html")  # a proxy's page, not JSON
    fresh.set_faults(error_rate=0.5)
    codes_list = [c.get(c.acc + "/teams").status_code for _ in range(80)]
    assert 15 < codes_list.count(200) < 65


def test_latency_and_hang(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(latency_ms=300)
    start = time.monotonic()
    assert c.get(c.acc + "/teams").status_code == 200
    assert time.monotonic() - start >= 0.3
    fresh.set_faults(hang_s=1.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        c.session.get(c.url + c.acc + "/teams", headers=c.headers, timeout=0.3)
    fresh.set_faults()


def test_reset_mid_body_applies_then_breaks(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(reset_mid_body=True)
    with pytest.raises(requests.exceptions.RequestException):
        c.post(c.acc + "/conversations/5/messages", {"content": "did it land?",
                                                     "content_attributes": {"deskapp_client_id": "c-1"}})
    # the message landed although the client never saw an answer: the double-send trap
    assert [m["content_attributes"] for m in fresh.state.received_messages] == [{"deskapp_client_id": "c-1"}]
    with pytest.raises(requests.exceptions.RequestException):
        c.get(c.acc + "/conversations", status="all").json()
    fresh.set_faults()
    assert c.get(c.acc + "/conversations/5/messages").json()["payload"][-1]["content"] == "did it land?"


def test_slow_apply_saves_a_chatwoot_write_after_the_client_gave_up(fresh_client: DemoClient,
                                                                    fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(slow_apply_s=1.0, scope="chatwoot")
    with pytest.raises(requests.exceptions.ReadTimeout):
        c.session.post(c.url + c.acc + "/conversations/5/messages", headers=c.headers, timeout=0.3,
                       json={"content": "saved late", "content_attributes": {"deskapp_client_id": "c-late"}})
    start = time.monotonic()
    page = c.get(c.acc + "/conversations/5/messages").json()["payload"]  # reads are not slowed
    assert time.monotonic() - start < 0.5 and "saved late" not in [m["content"] for m in page]
    time.sleep(1.0)
    page = c.get(c.acc + "/conversations/5/messages").json()["payload"]
    assert [m["content"] for m in page].count("saved late") == 1
    assert fresh.state.faults_injected["slow apply"] == 1
    fresh.set_faults()


def test_truncate_json(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(truncate_json=True)
    r = c.post(c.acc + "/conversations/6/messages", {"content": "half"})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    assert len(fresh.state.received_messages) == 1
    r = c.graphql(CHEAP)
    with pytest.raises(ValueError):
        r.json()


def test_revoked_tokens(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(revoke_tokens=True)
    assert c.get("/api/v1/profile").status_code == 401
    assert c.graphql(CHEAP).status_code == 401
    assert c.post(c.acc + "/conversations/5/toggle_status", {"status": "resolved"}).status_code == 401
    assert not fresh.state.pushes


def test_conflict_resolved(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.status == "open")
    fresh.set_faults(conflict_resolved=True)
    body = c.post(f"{c.acc}/conversations/{conv.id}/toggle_status", {"status": "pending"}).json()["payload"]
    assert body == {"success": False, "current_status": "resolved", "conversation_id": conv.id}
    assert conv.status == "resolved"
    text = fresh.state.messages(conv)[-1]["content"]
    assert "resolved by" in text and fresh.state.agent(fresh.state.me_id)["name"] not in text
    ok = c.post(f"{c.acc}/conversations/{conv.id}/toggle_status", {"status": "resolved"}).json()["payload"]
    assert ok["success"] is True
    # replies still work: only status pushes conflict
    assert c.post(f"{c.acc}/conversations/{conv.id}/messages", {"content": "hi"}).status_code == 200


def test_scope_limits_faults_to_one_api(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(outage=True, scope="shopify")
    assert c.graphql(CHEAP).status_code == 503
    assert c.get(c.acc + "/teams").status_code == 200
    fresh.set_faults(outage=True, scope="chatwoot")
    assert c.graphql(CHEAP).status_code == 200
    assert c.get(c.acc + "/teams").status_code == 503


def test_shopify_throttling(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(shopify_bucket=0)
    body = c.graphql(CHEAP).json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED" and "data" not in body
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 5
    assert fresh.faults.get().shopify_bucket is None  # one-shot
    time.sleep(0.1)  # restore rate 100/s: 10 points back
    assert "errors" not in c.graphql(CHEAP).json()
    big = "{ orders(first: 250) { nodes { id lineItems(first: 50) { nodes { id } } } } }"
    body = c.graphql(big).json()
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    heavy = "{ orders(first: 160) { nodes { id customer { id } lineItems(first: 2) { nodes { id } } } } }"
    fresh.set_faults(shopify_bucket=2000)
    codes = []
    for _ in range(4):  # ~962 points each against a 2000-point bucket
        b = c.graphql(heavy).json()
        codes.append(b["errors"][0]["extensions"]["code"] if "errors" in b else "ok")
    assert codes[:2] == ["ok", "ok"] and "THROTTLED" in codes


def test_stats_count_pushes_by_kind(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    path = f"{c.acc}/conversations/9"
    c.post(path + "/messages", {"content": "a", "content_attributes": {"deskapp_client_id": "r1"}})
    c.post(path + "/messages", {"content": "b", "private": True, "content_attributes": {"deskapp_client_id": "n1"}})
    c.post(path + "/toggle_status", {"status": "resolved"})
    c.post(path + "/assignments", {"assignee_id": 5})
    c.post(path + "/labels", {"labels": ["x"]})
    c.post(path + "/toggle_priority", {"priority": "high"})
    stats = c.session.get(c.url + "/demo/stats", timeout=10).json()
    assert stats["pushes"] == {"reply": 1, "note": 1, "status": 1, "assign": 1, "labels": 1, "priority": 1}
    assert stats["received_messages"] == 2 and stats["counts"]["conversations"] == 2000
    received = c.session.get(c.url + "/demo/received_messages", timeout=10).json()
    assert [m["content_attributes"]["deskapp_client_id"] for m in received] == ["r1", "n1"]
    assert [m["private"] for m in received] == [False, True]


def test_duplicate_items_overlap_pages_and_cursors(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    page1 = c.get(c.acc + "/conversations", status="all").json()["data"]["payload"]
    fresh.set_faults(duplicate_items=True)
    page2 = c.get(c.acc + "/conversations", status="all", page=2).json()["data"]["payload"]
    assert page2[0]["id"] == page1[-1]["id"] and len(page2) == 26  # the same item on two pages
    contacts2 = c.get(c.acc + "/contacts", page=2).json()["payload"]
    fresh.set_faults()
    contacts1 = c.get(c.acc + "/contacts").json()["payload"]
    assert contacts2[0]["id"] == contacts1[-1]["id"]
    path = c.acc + "/conversations/20/messages"
    ids = [m["id"] for m in c.get(path, after=0).json()["payload"]]
    fresh.set_faults(duplicate_items=True)
    again = [m["id"] for m in c.get(path, after=ids[2]).json()["payload"]]
    assert again == ids[2:]  # the cursor's own message comes back


def test_unknown_enums_and_extra_fields(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    fresh.set_faults(unknown_enums=True, extra_fields=True)
    conv = c.get(c.acc + "/conversations", status="all").json()["data"]["payload"][0]
    assert conv["status"] == "escalated" and conv["meta"]["channel"] == "Channel::Tiktok"
    assert conv["x_demo_added_in_v9"]["nested"] == [1, None, "two"]
    inbox = c.get(c.acc + "/inboxes").json()["payload"][0]
    assert inbox["channel_type"] == "Channel::Tiktok"
    fresh.set_faults(unknown_enums=True, scope="shopify")  # scoped away from Chatwoot: no effect there
    assert c.get(c.acc + "/conversations/1").json()["status"] != "escalated"
    fresh.set_faults()
    assert "x_demo_added_in_v9" not in c.get(c.acc + "/conversations/1").json()

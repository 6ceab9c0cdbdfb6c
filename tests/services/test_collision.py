"""The warning before sending: replies others sent after the agent opened the conversation, from the cache
and from a quick read of the demo hub (over loopback)."""

from __future__ import annotations

import requests

from deskapp.domain import Connectivity
from deskapp.services.collision import CollisionService, hub_replies
from deskapp.services.hub_link import HubLink
from deskapp.store import accounts as account_store
from tests.services import hub_fixture

hub, hub_ws = hub_fixture.hub, hub_fixture.hub_ws  # the fixtures


def a_conversation(hub) -> tuple[int, int]:
    with hub.ws.db.read() as conn:
        row = conn.exec_driver_sql("SELECT id, external_id FROM conversation WHERE account_id = ? AND status ="
                                   " 'open' ORDER BY id LIMIT 1", (hub.account_id,)).first()
    return int(row[0]), int(row[1])


def post_as(hub, token: str, display_id: int, content: str, *, private: bool = False) -> None:
    info = hub.demo.info
    answer = requests.post(f"{info['url']}/api/v1/accounts/{info['chatwoot_account_id']}/conversations/"
                           f"{display_id}/messages", headers={"api_access_token": token}, timeout=30,
                           json={"content": content, "message_type": "outgoing", "private": private})
    assert answer.status_code == 200, answer.text


def resync(hub) -> None:
    from deskapp.bootstrap import build_sync_engine

    build_sync_engine(hub.ws).sync_account_once(hub.account_id)


def test_another_agents_reply_is_found_on_the_hub_before_the_sync_brings_it(hub):
    service = CollisionService(hub.ws.db, HubLink(hub.ws.db, hub.ws.secrets))
    cid, display = a_conversation(hub)
    mark = service.mark(cid)
    assert service.replies_since(mark) == []
    admin = hub.state.agent(1)
    post_as(hub, "cw-demo-token-1", display, "I have refunded your order.")
    post_as(hub, "cw-demo-token-1", display, "internal: refunded", private=True)  # a note: not a reply
    found = service.replies_since(mark)
    assert [(r.author, r.text) for r in found] == [(admin["name"], "I have refunded your order.")]
    assert service.replies_since(mark, online=False) == []  # the cache has not got it yet
    resync(hub)
    cached = service.replies_since(mark, online=False)
    assert [(r.author, r.text) for r in cached] == [(admin["name"], "I have refunded your order.")]
    assert len(service.replies_since(mark)) == 1  # the cache's and the hub's copy are one reply
    assert service.replies_since(service.mark(cid)) == []  # seen since: no warning


def test_the_agents_own_replies_and_the_customers_messages_do_not_warn(hub):
    service = CollisionService(hub.ws.db, HubLink(hub.ws.db, hub.ws.secrets))
    cid, display = a_conversation(hub)
    mark = service.mark(cid)
    post_as(hub, hub.demo.info["chatwoot_token"], display, "my own reply from another device")
    requests.post(f"{hub.demo.info['url']}/demo/conversations/{display}/incoming", json={"content": "hello?"},
                  timeout=30)
    resync(hub)
    assert service.replies_since(mark) == []


def test_offline_the_cache_alone_answers(hub):
    service = CollisionService(hub.ws.db, HubLink(hub.ws.db, hub.ws.secrets))
    cid, display = a_conversation(hub)
    mark = service.mark(cid)
    post_as(hub, "cw-demo-token-1", display, "answered")
    with hub.ws.db.write() as conn:
        account_store.set_state(conn, hub.account_id, Connectivity.OFFLINE)
    assert service.replies_since(mark) == []  # the hub is not asked while offline
    hub.demo.stop()
    with hub.ws.db.write() as conn:
        account_store.set_state(conn, hub.account_id, Connectivity.ONLINE)
    assert service.replies_since(mark) == []  # the hub is unreachable: no error, the cache's answer


def test_malformed_hub_messages_are_skipped():
    mine = {"2"}
    messages = [
        {"id": 1, "content": "old", "message_type": 1, "created_at": 100, "sender": {"id": 5, "type": "user"}},
        {"id": 2, "content": "new", "message_type": 1, "created_at": 200,
         "sender": {"id": 5, "name": "Alex", "available_name": "Alex K", "type": "user"}},
        {"id": 3, "content": "mine", "message_type": 1, "created_at": 201, "sender": {"id": 2, "type": "user"}},
        {"id": 4, "content": "bot", "message_type": 1, "created_at": 202, "sender": {"id": 2, "type": "agent_bot",
                                                                                    "name": "Helper"}},
        {"id": 5, "content": "customer", "message_type": 0, "created_at": 203},
        {"id": 6, "content": "note", "message_type": 1, "private": True, "created_at": 204},
        {"id": 7, "content": "no time", "message_type": 1},
        {"id": 8, "content": "bad time", "message_type": 1, "created_at": "soon"},
        {"id": 9, "content": None, "message_type": 1, "created_at": 205, "sender": "not an object"},
    ]
    found = hub_replies(messages, 150, mine)
    assert [(r.author, r.text, r.automated) for r in found] == [
        ("Alex K", "new", False), ("Helper", "bot", True), ("The hub", "", True)]

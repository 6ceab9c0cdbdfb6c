"""The demo hub's typing and availability routes answer as Chatwoot's controllers do."""

from __future__ import annotations

from deskapp.demo.server import DemoServer
from tests.demo.conftest import DemoClient

ADMIN_TOKEN = "cw-demo-token-1"  # agent 1 is the administrator; the client's own token is agent 2's


def test_toggle_typing_status_is_head_ok_and_recorded(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    path = f"{c.acc}/conversations/1/toggle_typing_status"
    on = c.post(path, {"typing_status": "on", "is_private": True})
    assert (on.status_code, on.content) == (200, b"")
    assert c.post(path, {"typing_status": "recording"}).status_code == 200  # no event, still ok
    assert c.post(path, "not an object").status_code == 200
    assert c.post(path, {"typing_status": "off"}).status_code == 200
    log = [(e["conversation_id"], e["user_id"], e["typing_status"], e["is_private"]) for e in fresh.state.typing_log]
    assert log == [(1, 2, "on", True), (1, 2, "off", False)]
    assert c.post(f"{c.acc}/conversations/99999/toggle_typing_status", {"typing_status": "on"}).status_code == 404


def test_availability_own_through_the_profile_anyones_by_an_administrator(fresh_client: DemoClient,
                                                                          fresh: DemoServer) -> None:
    c = fresh_client
    account = fresh.state.account_id
    own = c.post("/api/v1/profile/availability", {"profile": {"account_id": account, "availability": "busy"}})
    assert own.status_code == 200 and own.json()["accounts"][0]["availability_status"] == "busy"
    agents = {a["id"]: a["availability_status"] for a in c.get(f"{c.acc}/agents").json()}
    assert agents[2] == "busy" and agents[1] == "online"
    assert c.post("/api/v1/profile/availability",
                  {"profile": {"account_id": account, "availability": "away"}}).status_code == 500
    assert c.post("/api/v1/profile/availability",
                  {"profile": {"account_id": 999, "availability": "busy"}}).status_code == 404
    # an agent may not change someone else's; the administrator may
    assert c.request("PATCH", f"{c.acc}/agents/1", {"agent": {"availability": "offline"}}).status_code == 401
    done = c.request("PATCH", f"{c.acc}/agents/2", {"agent": {"availability": "offline"}}, token=ADMIN_TOKEN)
    assert done.status_code == 200 and done.json()["availability_status"] == "offline"
    assert c.request("PATCH", f"{c.acc}/agents/999", {"agent": {"availability": "offline"}},
                     token=ADMIN_TOKEN).status_code == 404
    assert fresh.state.availability == {2: "offline"}

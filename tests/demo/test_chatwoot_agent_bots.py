"""The demo hub's agent bots as Chatwoot serves them: CRUD for administrators, set_agent_bot, working hours,
pending conversations, webhooks from a worker thread, and what a bot's own token may do."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from deskapp.demo.chatwoot_agent_bots import BOT_ERROR_OPENED


class _Catcher(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.server.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _catcher(status: int = 200) -> ThreadingHTTPServer:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Catcher)
    srv.bodies, srv.status = [], status
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def _admin(client):
    return client.info["supervisor_token"]


def test_agent_bots_crud_is_for_administrators(fresh_client):
    c = fresh_client
    refused = c.request("POST", c.acc + "/agent_bots", {"name": "x"})
    assert refused.status_code == 401
    created = c.request("POST", c.acc + "/agent_bots", {"name": "Helper", "outgoing_url": "http://127.0.0.1:9/"},
                        token=_admin(c))
    bot = created.json()
    assert created.status_code == 200 and bot["access_token"] and bot["bot_type"] == "webhook"
    assert c.request("POST", c.acc + "/agent_bots", {"name": ""}, token=_admin(c)).status_code == 422
    listed = c.get(c.acc + "/agent_bots").json()
    assert [b["name"] for b in listed][-1] == "Helper"
    renamed = c.request("PATCH", f"{c.acc}/agent_bots/{bot['id']}", {"name": "Helper 2"}, token=_admin(c))
    assert renamed.json()["name"] == "Helper 2"
    assert c.request("DELETE", f"{c.acc}/agent_bots/{bot['id']}", token=_admin(c)).status_code == 200
    assert c.get(f"{c.acc}/agent_bots/{bot['id']}").status_code == 404


def test_set_agent_bot_connects_and_null_disconnects(fresh_client):
    c = fresh_client
    bot = c.request("POST", c.acc + "/agent_bots", {"name": "B"}, token=_admin(c)).json()
    assert c.request("POST", c.acc + "/inboxes/2/set_agent_bot", {"agent_bot": 999}, token=_admin(c)).status_code \
        == 404
    assert c.request("POST", c.acc + "/inboxes/2/set_agent_bot", {"agent_bot": bot["id"]},
                     token=_admin(c)).status_code == 200
    assert c.get(c.acc + "/inboxes/2/agent_bot").json()["agent_bot"]["id"] == bot["id"]
    c.request("POST", c.acc + "/inboxes/2/set_agent_bot", {"agent_bot": None}, token=_admin(c))
    assert c.get(c.acc + "/inboxes/2/agent_bot").json() == {"agent_bot": None}


def test_a_bot_inbox_gets_pending_conversations_and_webhooks_without_blocking(fresh, fresh_client):
    c = fresh_client
    catcher = _catcher()
    try:
        url = f"http://127.0.0.1:{catcher.server_address[1]}/hook"
        bot = c.request("POST", c.acc + "/agent_bots", {"name": "B", "outgoing_url": url}, token=_admin(c)).json()
        c.request("POST", c.acc + "/inboxes/2/set_agent_bot", {"agent_bot": bot["id"]}, token=_admin(c))
        started = c.session.post(f"{c.url}/demo/inboxes/2/conversations", timeout=10,
                                 json={"contact_id": 1, "content": "hello?"}).json()
        assert started["status"] == "pending"
        assert fresh.state.agent_bot_hub.wait_idle(10)
        [hook] = catcher.bodies
        assert hook["event"] == "message_created" and hook["message_type"] == "incoming"
        assert hook["conversation"]["id"] == started["conversation_id"] and hook["sender"]["type"] == "contact"
        assert hook["inbox"]["id"] == 2 and hook["account"]["id"] == fresh.state.account_id
        # the bot answers with its own token: the message's sender is the bot, and a bot hands off
        bot_headers = bot["access_token"]
        conv_path = f"{c.acc}/conversations/{started['conversation_id']}"
        said = c.request("POST", conv_path + "/messages", {"content": "Hi!"}, token=bot_headers).json()
        assert said["sender"]["type"] == "agent_bot" and said["message_type"] == 1

        handed = c.request("POST", conv_path + "/toggle_status", {"status": "open"}, token=bot_headers).json()
        assert handed["payload"]["current_status"] == "open"
    finally:
        catcher.shutdown()


def test_a_failing_bot_webhook_opens_the_pending_conversation(fresh, fresh_client):
    c = fresh_client
    catcher = _catcher(status=500)
    try:
        url = f"http://127.0.0.1:{catcher.server_address[1]}/"
        bot = c.request("POST", c.acc + "/agent_bots", {"name": "B", "outgoing_url": url}, token=_admin(c)).json()
        c.request("POST", c.acc + "/inboxes/2/set_agent_bot", {"agent_bot": bot["id"]}, token=_admin(c))
        started = c.session.post(f"{c.url}/demo/inboxes/2/conversations", timeout=10,
                                 json={"contact_id": 1, "content": "hello?"}).json()
        assert fresh.state.agent_bot_hub.wait_idle(10)
        conv = fresh.state.conversation(started["conversation_id"])
        assert conv.status == "open" and fresh.state.messages(conv)[-1]["content"] == BOT_ERROR_OPENED
    finally:
        catcher.shutdown()


def test_inbox_working_hours_are_kept_as_chatwoot_keeps_them(fresh_client):
    c = fresh_client
    rows = [{"day_of_week": 1, "open_hour": 9, "open_minutes": 0, "close_hour": 17, "close_minutes": 0,
             "closed_all_day": False, "open_all_day": False}]
    assert c.request("PATCH", c.acc + "/inboxes/2", {"working_hours_enabled": True, "working_hours": rows}
                     ).status_code == 401
    shown = c.request("PATCH", c.acc + "/inboxes/2", {"working_hours_enabled": True, "working_hours": rows,
                                                     "timezone": "Europe/Paris"}, token=_admin(c)).json()
    assert shown["working_hours"] == rows and shown["timezone"] == "Europe/Paris"
    assert c.get(c.acc + "/inboxes/2").json()["working_hours_enabled"] is True


def test_a_bot_token_may_not_read_inboxes_or_agents(fresh_client):
    c = fresh_client
    bot = c.request("POST", c.acc + "/agent_bots", {"name": "B"}, token=_admin(c)).json()
    for path in ("/inboxes/2", "/agents", "/conversations"):
        refused = c.request("GET", c.acc + path, token=bot["access_token"])
        assert refused.status_code == 401
        assert refused.json() == {"error": "Access to this endpoint is not authorized for bots"}

"""Agent bots in the demo hub, as Chatwoot runs them: the agent_bots CRUD (AgentBotsController, admin only),
inbox set_agent_bot / agent_bot, inbox working hours (InboxesController#show/update), the requests a bot makes
with its own access token (messages as the bot, labels, the pending -> open handoff; nothing else), and the
webhooks.

AgentBotListener#message_created: a message that is webhook_sendable (not an activity) in an inbox with a
connected bot is POSTed as `message.webhook_data.merge(event:)` to the bot's outgoing_url by a job
(AgentBots::WebhookJob; here a worker thread, never the request's). A failed delivery reopens a pending
conversation (Webhooks::Trigger#handle_error), so no customer waits on a dead bot. Conversations created in
an inbox with a bot start `pending` (Conversation#determine_conversation_status).
"""

from __future__ import annotations

import json
import logging
import queue
import re
import secrets
import threading
import urllib.error
import urllib.request
from typing import Any

from deskapp.demo.chatwoot_common import EMPTY, Answer, ApiError, body_dict, conversation_for, ruby_int
from deskapp.demo.chatwoot_json import bot_push_json, contact_push_json, conversation_json, iso, message_json
from deskapp.demo.seed import Conversation
from deskapp.demo.state import ACTIVITY, INCOMING, OUTGOING, TEMPLATE, DemoState

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_S = 5
_KEPT_DELIVERIES = 1000  # WEBHOOK_TIMEOUT's default
MESSAGE_TYPE_NAMES = {INCOMING: "incoming", OUTGOING: "outgoing", ACTIVITY: "activity", TEMPLATE: "template"}
BOT_REFUSED = {"error": "Access to this endpoint is not authorized for bots"}
BOT_ERROR_OPENED = "Conversation was marked open by system due to an error with the agent bot."
_BOT_FIELDS = ("name", "description", "outgoing_url", "bot_type", "bot_config")
_INBOX_FIELDS = ("working_hours_enabled", "out_of_office_message", "timezone")
_HOURS_FIELDS = ("day_of_week", "closed_all_day", "open_hour", "open_minutes", "close_hour", "close_minutes",
                 "open_all_day")


class AgentBotHub:
    """Which bot serves which inbox, the inboxes' working hours, and the webhook deliveries (a worker thread)."""

    def __init__(self, state: DemoState) -> None:
        self.state = state
        self.inbox_bot: dict[int, int] = {}  # inbox id -> agent bot id (AgentBotInbox)
        self.inbox_settings: dict[int, dict[str, Any]] = {}  # inbox id -> working hours, timezone ...
        self.deliveries: list[dict[str, Any]] = []  # every webhook sent: {"event", "url", "status"|"error"}
        self._queue: queue.Queue[tuple[str, dict, int] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._delivered = threading.Condition()

    def bot_of_inbox(self, inbox_id: int) -> dict[str, Any] | None:
        bot = self.state.find_bot(self.inbox_bot.get(inbox_id))
        return bot if bot is not None and not bot.get("deleted") else None

    def bot_for_token(self, token: str) -> dict[str, Any] | None:
        return next((b for b in self.state.world.bots if b.get("access_token") == token and not b.get("deleted")),
                    None)

    # --- webhooks -----------------------------------------------------------------------------------

    def message_created(self, conv: Conversation, msg: dict) -> None:
        """The state's message hook (called under its lock): queue the webhook, never wait for it."""
        bot = self.bot_of_inbox(conv.inbox_id)
        if bot is None or not bot.get("outgoing_url") or msg["message_type"] == ACTIVITY:
            return
        payload = webhook_message(self.state, conv, msg, "message_created")
        self._queue.put((bot["outgoing_url"], payload, conv.id))
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._deliver_loop, name="demo-agent-bot", daemon=True)
            self._worker.start()

    def stop(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            self._queue.put(None)
            self._worker.join(timeout=WEBHOOK_TIMEOUT_S + 1)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Tests: until every queued webhook has been delivered (or failed)."""
        with self._delivered:
            return self._delivered.wait_for(lambda: self._queue.unfinished_tasks == 0, timeout)

    def _deliver_loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._deliver(*item)
            finally:
                self._queue.task_done()
                with self._delivered:
                    self._delivered.notify_all()

    def _deliver(self, url: str, payload: dict, conv_id: int) -> None:
        data = json.dumps(payload).encode()
        record: dict[str, Any] = {"event": payload["event"], "url": url, "message_id": payload.get("id")}
        try:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"not an http(s) URL: {url!r}")
            request = urllib.request.Request(url, data=data, method="POST", headers={  # noqa: S310 - checked above
                "Content-Type": "application/json", "Accept": "application/json"})
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as answer:  # noqa: S310
                record["status"] = answer.status
        except urllib.error.HTTPError as exc:
            record["status"] = exc.code
        except (OSError, ValueError) as exc:
            record["error"] = str(exc)
        failed = "error" in record or not 200 <= record["status"] < 300
        with self.state.lock:
            self.deliveries.append(record)
            del self.deliveries[:-_KEPT_DELIVERIES]  # a long demo session keeps the recent ones only
            conv = self.state.conversation(conv_id)
            if failed and conv is not None and conv.status == "pending":
                conv.status = "open"
                self.state.activity(conv, BOT_ERROR_OPENED)


def hub(state: DemoState) -> AgentBotHub:
    """The state's hub, made (and hooked to new messages) on first use."""
    with state.lock:
        if state.agent_bot_hub is None:
            state.agent_bot_hub = AgentBotHub(state)
            state.message_hooks.append(state.agent_bot_hub.message_created)
        return state.agent_bot_hub


def first_status(state: DemoState, inbox_id: int) -> str:
    """Conversation#determine_conversation_status: a new conversation in an inbox with an active bot is pending."""
    return "pending" if state.agent_bot_hub is not None and state.agent_bot_hub.bot_of_inbox(inbox_id) else "open"


def webhook_message(state: DemoState, conv: Conversation, msg: dict, event: str) -> dict:
    """Message#webhook_data merged with the event name."""
    box = state.world.inboxes[conv.inbox_id - 1]
    sender = None
    if msg["sender_type"] == "contact":
        sender = contact_push_json(state, state.world.contacts[msg["sender_id"] - 1])
    elif msg["sender_type"] == "agent":
        agent = state.agent(msg["sender_id"])
        sender = {"id": agent["id"], "name": agent["name"], "email": agent["email"], "type": "user"}
    elif msg["sender_type"] == "agent_bot":
        sender = {k: v for k, v in bot_push_json(state.bot(msg["sender_id"])).items() if k != "avatar_url"}
    return {"account": {"id": state.account_id, "name": "Demo Shop"},
            "additional_attributes": msg["additional_attributes"], "content_attributes": msg["content_attributes"],
            "content_type": msg["content_type"], "content": msg["content"],
            "conversation": conversation_json(state, conv), "created_at": iso(msg["created_at"]), "id": msg["id"],
            "inbox": {"id": box["id"], "name": box["name"]}, "message_type": MESSAGE_TYPE_NAMES[msg["message_type"]],
            "private": msg["private"], "sender": sender, "source_id": msg["source_id"], "event": event}


# --- the application API, for users -------------------------------------------------------------------

def bot_json(state: DemoState, bot: dict) -> dict:
    """app/views/api/v1/models/_agent_bot.json.jbuilder."""
    out = {"id": bot["id"], "name": bot["name"], "description": bot.get("description"), "thumbnail": "",
           "outgoing_url": bot.get("outgoing_url"), "bot_type": bot.get("bot_type", "webhook"),
           "bot_config": bot.get("bot_config") or {}, "account_id": state.account_id, "system_bot": False}
    if bot.get("access_token"):
        out["access_token"] = bot["access_token"]
    return out


def _admin(state: DemoState, me: int) -> None:
    if not state.is_admin(me):
        raise ApiError.not_authorized()


def _live_bot(state: DemoState, raw_id: Any) -> dict:
    bot = state.find_bot(ruby_int(raw_id, 0))
    if bot is None or bot.get("deleted"):
        raise ApiError.not_found()
    return bot


def list_bots(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    with state.lock:
        return 200, [bot_json(state, b) for b in state.world.bots if not b.get("deleted")]


def show_bot(state: DemoState, me: int, q: dict, body: Any, bot_id: str) -> Answer:
    with state.lock:
        return 200, bot_json(state, _live_bot(state, bot_id))


def create_bot(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    body = body_dict(body)
    with state.lock:
        _admin(state, me)
        if not str(body.get("name") or "").strip():
            raise ApiError.unprocessable("Name can't be blank")
        bot = {"id": len(state.world.bots) + 1, "bot_type": "webhook", "access_token": secrets.token_urlsafe(18)}
        bot.update({k: body[k] for k in _BOT_FIELDS if k in body})
        state.world.bots.append(bot)
        return 200, bot_json(state, bot)


def update_bot(state: DemoState, me: int, q: dict, body: Any, bot_id: str) -> Answer:
    body = body_dict(body)
    with state.lock:
        _admin(state, me)
        bot = _live_bot(state, bot_id)
        bot.update({k: body[k] for k in _BOT_FIELDS if k in body})
        return 200, bot_json(state, bot)


def delete_bot(state: DemoState, me: int, q: dict, body: Any, bot_id: str) -> Answer:
    with state.lock:
        _admin(state, me)
        bot = _live_bot(state, bot_id)
        bot["deleted"] = True  # its old messages keep their sender; the inboxes lose it (dependent: destroy)
        h = hub(state)
        h.inbox_bot = {i: b for i, b in h.inbox_bot.items() if b != bot["id"]}
        return 200, EMPTY


def _inbox(state: DemoState, raw_id: Any) -> dict:
    inbox_id = ruby_int(raw_id, 0)
    if not 1 <= inbox_id <= len(state.world.inboxes):
        raise ApiError.not_found()
    return state.world.inboxes[inbox_id - 1]


def set_agent_bot(state: DemoState, me: int, q: dict, body: Any, inbox_id: str) -> Answer:
    """`agent_bot: <id>` connects that bot (AgentBot.find: 404 for an unknown id), `agent_bot: null` disconnects."""
    body = body_dict(body)
    with state.lock:
        box = _inbox(state, inbox_id)
        _admin(state, me)
        h = hub(state)
        if body.get("agent_bot") not in (None, ""):
            h.inbox_bot[box["id"]] = _live_bot(state, body["agent_bot"])["id"]
        else:
            h.inbox_bot.pop(box["id"], None)
        state.record_push("set_agent_bot", 0, body)
        return 200, EMPTY


def inbox_agent_bot(state: DemoState, me: int, q: dict, body: Any, inbox_id: str) -> Answer:
    with state.lock:
        box = _inbox(state, inbox_id)
        bot = hub(state).bot_of_inbox(box["id"])
        return 200, {"agent_bot": bot_json(state, bot) if bot else None}


def inbox_json(state: DemoState, box: dict) -> dict:
    settings = hub(state).inbox_settings.get(box["id"], {})
    return {"id": box["id"], "name": box["name"], "channel_type": box["channel_type"], "channel_id": box["id"],
            "working_hours_enabled": settings.get("working_hours_enabled", False),
            "out_of_office_message": settings.get("out_of_office_message"),
            "timezone": settings.get("timezone", "UTC"), "working_hours": settings.get("working_hours", [])}


def show_inbox(state: DemoState, me: int, q: dict, body: Any, inbox_id: str) -> Answer:
    with state.lock:
        box = _inbox(state, inbox_id)
        if me > 0 and not state.is_admin(me) and box["id"] not in state.world.inbox_members[me]:
            raise ApiError.not_authorized()
        return 200, inbox_json(state, box)


def update_inbox(state: DemoState, me: int, q: dict, body: Any, inbox_id: str) -> Answer:
    """The working-hours part of InboxesController#update (update_working_hours: one row per day given)."""
    body = body_dict(body)
    with state.lock:
        box = _inbox(state, inbox_id)
        _admin(state, me)
        settings = hub(state).inbox_settings.setdefault(box["id"], {})
        settings.update({k: body[k] for k in _INBOX_FIELDS if k in body})
        if isinstance(body.get("working_hours"), list):
            days = {d.get("day_of_week"): d for d in settings.get("working_hours", [])}
            for row in body["working_hours"]:
                if isinstance(row, dict) and row.get("day_of_week") in range(7):
                    days[row["day_of_week"]] = {k: row.get(k) for k in _HOURS_FIELDS}
            settings["working_hours"] = [days[d] for d in sorted(days)]
        return 200, inbox_json(state, box)


# --- what a bot may do with its own token (AccessTokenAuthHelper::BOT_ACCESSIBLE_ENDPOINTS: conversation
# show and toggle_status, messages create, labels create among them; inboxes are not) ----------------------

def bot_dispatch(state: DemoState, bot: dict, method: str, path: str, body: Any) -> Answer:
    for route_method, pattern, fn in _BOT_ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            params = match.groupdict()
            if params.pop("account") != str(state.account_id):
                return 401, {"error": "You are not authorized to access this account"}
            try:
                with state.lock:
                    return fn(state, bot, body_dict(body), **params)
            except ApiError as exc:
                return exc.status, exc.body
    return 401, BOT_REFUSED  # validate_bot_access_token!: not in BOT_ACCESSIBLE_ENDPOINTS


_ACC = r"/api/v1/accounts/(?P<account>[^/]+)"
_CONV = _ACC + r"/conversations/(?P<conv_id>[^/]+)"


def _conv(state: DemoState, raw_id: str) -> Conversation:
    return conversation_for(state, 1, raw_id)  # a bot sees every conversation of its account (policy: bot)


def _bot_message(state: DemoState, bot: dict, body: dict, conv_id: str) -> Answer:
    """MessageBuilder with an AgentBot as Current.user: an outgoing message whose sender is the bot."""
    conv = _conv(state, conv_id)
    attrs = body.get("content_attributes") if isinstance(body.get("content_attributes"), dict) else {}
    private = bool(body.get("private") or False)
    msg = state.add_message(conv, content=None if body.get("content") is None else str(body["content"]),
                            message_type=OUTGOING, private=private, sender_type="agent_bot", sender_id=bot["id"],
                            content_attributes=attrs)
    state.record_push("bot_note" if private else "bot_reply", conv.id, body)
    return 200, message_json(state, conv, msg)


def _bot_toggle(state: DemoState, bot: dict, body: dict, conv_id: str) -> Answer:
    """`bot_handoff?`: pending -> open is Conversation#bot_handoff!; other statuses are set as given."""
    conv = _conv(state, conv_id)
    wanted = body.get("status")
    state.record_push("bot_status", conv.id, body)
    if conv.status == "pending" and wanted == "open":
        conv.status = "open"
        state.activity(conv, "Conversation was handed off to an agent")  # no assignee: the queue picks it up
    elif wanted in ("open", "resolved", "pending", "snoozed") and wanted != conv.status:
        conv.status = wanted
        state.touch(conv)
    elif wanted not in (None, "", "open", "resolved", "pending", "snoozed"):
        raise ApiError.internal()
    return 200, {"meta": {}, "payload": {"success": True, "current_status": conv.status, "conversation_id": conv.id}}


def _bot_labels(state: DemoState, bot: dict, body: dict, conv_id: str) -> Answer:
    conv = _conv(state, conv_id)
    posted = body.get("labels")
    posted = posted if isinstance(posted, list) else []
    known = set(state.account_labels())
    new = sorted({str(x).strip().lower() for x in posted if str(x).strip().lower() in known})
    added = set(new) - set(conv.labels)
    if set(new) != set(conv.labels):
        conv.labels = new
        if added:
            state.activity(conv, f"{bot['name']} added {', '.join(sorted(added))}")
    state.record_push("bot_labels", conv.id, body)
    return 200, {"payload": list(conv.labels)}


def _bot_show(state: DemoState, bot: dict, body: dict, conv_id: str) -> Answer:
    return 200, conversation_json(state, _conv(state, conv_id))


_BOT_ROUTES = [(m, re.compile(p + r"/?$"), fn) for m, p, fn in (
    ("POST", _CONV + r"/messages", _bot_message), ("POST", _CONV + r"/toggle_status", _bot_toggle),
    ("POST", _CONV + r"/labels", _bot_labels), ("GET", _CONV, _bot_show))]


def customer_starts(state: DemoState, inbox_id: int, contact_id: int, content: str) -> tuple[int, Any]:
    """A customer opens a new conversation in an inbox (what the channel delivers), pending when a bot serves it."""
    with state.lock:
        contact = state.contact(contact_id)
        if not 1 <= inbox_id <= len(state.world.inboxes) or contact is None:
            return 404, {"error": "no such inbox or contact"}
        box = state.world.inboxes[inbox_id - 1]
        now = int(state.now())
        conv = Conversation(
            id=len(state.world.conversations) + 1, seed=now, inbox_id=inbox_id, channel=box["key"],
            contact_id=contact.id, person_idx=contact.person_idx, topic="other", lang="en", order_idx=-1,
            created_at=now, status=first_status(state, inbox_id), assignee_id=None, team_id=None, labels=[],
            priority=None, updated_at=now, last_activity_at=now, first_reply_at=None, waiting_since=None,
            snoozed_until=None, msg_base=0, n_seeded=0)
        state.world.conversations.append(conv)
        msg = state.add_message(conv, content=content, message_type=INCOMING, sender_type="contact",
                                sender_id=contact.id)
        return 200, {"id": msg["id"], "conversation_id": conv.id, "status": conv.status}



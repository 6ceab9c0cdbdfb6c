"""The write side of the demo's Chatwoot API, as the controllers and models do it: MessageBuilder (what it keeps
depends on the server version), toggle_status (an agent who opens a conversation takes it), toggle_priority
(an unknown value raises on the enum: 500), assignments (an unknown id unassigns), labels (unknown labels
dropped by newer servers) and the activity messages each change leaves, in config/locales/en.yml's words."""

from __future__ import annotations

import json
from typing import Any

from deskapp.demo.chatwoot_common import EMPTY, Answer, ApiError, body_dict, conversation_for, ruby_int
from deskapp.demo.chatwoot_json import agent_json, iso, message_json
from deskapp.demo.seed import Conversation
from deskapp.demo.state import ACTIVITY, INCOMING, OUTGOING, TEMPLATE, DemoState

STATUSES = ("open", "resolved", "pending", "snoozed")
PRIORITIES = ("low", "medium", "high", "urgent")
MESSAGE_TYPES = {"incoming": INCOMING, "outgoing": OUTGOING, "activity": ACTIVITY, "template": TEMPLATE}
CONTENT_TYPES = ("text", "input_text", "input_textarea", "input_email", "input_select", "cards", "form", "article",
                 "incoming_email", "input_csat", "integrations", "sticker")
_STATUS_TEXT = {"resolved": "Conversation was marked resolved by {}", "open": "Conversation was reopened by {}",
                "pending": "Conversation was marked as pending by {}", "snoozed": "Conversation was snoozed by {}"}


def _name(state: DemoState, me: int) -> str:
    return state.agent(me)["name"]


def _kept_content_attributes(state: DemoState, raw: Any) -> dict:
    """v4 keeps the posted content_attributes as they are (a JSON string is parsed); 3.x builders keep only
    `items`, `in_reply_to` and `automation_rule_id`. Either way `echo_id` is never stored."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = {}
    attrs = raw if isinstance(raw, dict) else {}
    if state.chatwoot_version == "4.x":
        return dict(attrs)
    return {k: attrs[k] for k in ("items", "in_reply_to", "automation_rule_id") if attrs.get(k) is not None}


def send_message(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    body = body_dict(body)
    kind = body.get("message_type") or "outgoing"
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        if kind not in MESSAGE_TYPES:  # the enum raises; the controller rescues StandardError as 422
            raise ApiError.unprocessable(f"'{kind}' is not a valid message_type")
        if kind == "incoming":
            raise ApiError.unprocessable("Incoming messages are only allowed in Api inboxes")
        content_type = body.get("content_type") or "text"
        if content_type not in CONTENT_TYPES:
            raise ApiError.unprocessable(f"'{content_type}' is not a valid content_type")
        private = bool(body.get("private") or False)
        content = body.get("content")
        attrs = _kept_content_attributes(state, body.get("content_attributes"))
        extra = {"campaign_id": body["campaign_id"]} if body.get("campaign_id") else {}
        source_id = body.get("source_id") if state.chatwoot_version == "4.x" else None
        sender_type, sender_id = ("agent", me) if kind == "outgoing" else ("contact", conv.contact_id)
        bot = state.find_bot(ruby_int(body.get("sender_id"), 0)) if body.get("sender_type") == "AgentBot" else None
        if kind == "outgoing" and bot is not None:  # MessageBuilder#message_sender: a bot speaks
            sender_type, sender_id = "agent_bot", bot["id"]
        msg = state.add_message(conv, content=None if content is None else str(content),
                                message_type=MESSAGE_TYPES[kind], private=private, sender_type=sender_type,
                                sender_id=sender_id, content_attributes=attrs, content_type=content_type,
                                additional_attributes=extra, source_id=source_id)
        state.received_messages.append({"id": msg["id"], "conversation_id": conv.id, "content": content,
                                        "message_type": kind, "private": private,
                                        "content_attributes": body.get("content_attributes"), "sender_id": me})
        state.record_push("note" if private else "reply", conv.id, body)
        return 200, message_json(state, conv, msg, echo_id=body.get("echo_id"))


def delete_message(state: DemoState, me: int, q: dict, body: Any, conv_id: str, message_id: str) -> Answer:
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        message = state.delete_message(conv, ruby_int(message_id, 0))
        if message is None:
            raise ApiError.not_found()
        return 200, message_json(state, conv, message)


def _set_status(state: DemoState, me: int, conv: Conversation, wanted: str, until: Any) -> None:
    if wanted not in STATUSES:
        raise ApiError.internal()
    snooze = None
    if until is not None:
        if isinstance(until, bool) or not str(until).strip().lstrip("-").isdigit():
            raise ApiError.internal()  # DateTime.strptime(value, '%s') raises
        snooze = int(str(until).strip())
    if wanted == conv.status and (wanted != "snoozed" or snooze == conv.snoozed_until):
        return
    changed = wanted != conv.status
    conv.status = wanted
    conv.snoozed_until = snooze if wanted == "snoozed" else None
    if wanted == "resolved":
        conv.waiting_since = None
    if changed:
        state.activity(conv, _STATUS_TEXT[wanted].format(_name(state, me)))
    else:
        state.touch(conv)


def set_assignee(state: DemoState, me: int, conv: Conversation, agent_id: int | None) -> None:
    if agent_id == conv.assignee_id:
        return
    conv.assignee_id = agent_id
    name = _name(state, me)
    if agent_id is None:
        state.activity(conv, f"Conversation unassigned by {name}")
    elif agent_id == me:
        state.activity(conv, f"{name} self-assigned this conversation")
    else:
        state.activity(conv, f"Assigned to {state.agent(agent_id)['name']} by {name}")


def toggle_status(state: DemoState, me: int, q: dict, body: Any, conv_id: str, *,
                  conflict_resolved: bool = False) -> Answer:
    body = body_dict(body)
    wanted = body.get("status")
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        state.record_push("status", conv.id, body)
        if conflict_resolved:  # another agent got there first
            other = next(a for a in state.world.agents if a["id"] != me)
            if conv.status != "resolved":
                conv.status, conv.snoozed_until, conv.waiting_since = "resolved", None, None
                state.activity(conv, _STATUS_TEXT["resolved"].format(other["name"]))
            return 200, {"meta": {}, "payload": {"success": wanted == "resolved", "current_status": "resolved",
                                                 "conversation_id": conv.id}}
        if wanted not in (None, ""):
            _set_status(state, me, conv, wanted, body.get("snoozed_until"))
        else:  # Conversation#toggle_status: open <-> resolved, pending and snoozed open
            _set_status(state, me, conv, "resolved" if conv.status == "open" else "open", None)
        if conv.status == "open" and state.agent(me)["role"] == "agent":
            set_assignee(state, me, conv, me)  # the agent who opens a conversation is assigned to it
        return 200, {"meta": {}, "payload": {"success": True, "current_status": conv.status,
                                             "conversation_id": conv.id}}


def _set_priority(state: DemoState, me: int, conv: Conversation, priority: Any) -> None:
    """`self.priority = priority.presence`: null or "" clears it, a value outside the enum raises (500)."""
    new = priority if priority not in (None, "") else None
    if new is not None and new not in PRIORITIES:
        raise ApiError.internal()
    old = conv.priority
    if new == old:
        return
    conv.priority = new
    name = _name(state, me)
    if old is None:
        state.activity(conv, f"{name} set the priority to {new}")
    elif new is None:
        state.activity(conv, f"{name} removed the priority")
    else:
        state.activity(conv, f"{name} changed the priority from {old} to {new}")


def toggle_priority(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    body = body_dict(body)
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        state.record_push("priority", conv.id, body)
        _set_priority(state, me, conv, body.get("priority"))
        return 200, EMPTY


def update_conversation(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    from deskapp.demo.chatwoot_json import conversation_json

    body = body_dict(body)
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        state.record_push("update", conv.id, body)
        if "priority" in body:
            _set_priority(state, me, conv, body["priority"])
        return 200, conversation_json(state, conv)


def assign(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    """An assignee_id that is no user of the account unassigns; a team_id that is no team removes the team.
    The answer is the agent (or the team's columns), `null` when there is none."""
    body = body_dict(body)
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        if "assignee_id" in body:
            state.record_push("assign", conv.id, body)
            agent = state.find_agent(ruby_int(body["assignee_id"], 0))
            set_assignee(state, me, conv, agent["id"] if agent else None)
            return 200, agent_json(state, agent) if agent else None
        if "team_id" in body:
            state.record_push("assign_team", conv.id, body)
            team_id = ruby_int(body["team_id"], 0)
            team = state.world.teams[team_id - 1] if 1 <= team_id <= len(state.world.teams) else None
            old = state.world.teams[conv.team_id - 1] if conv.team_id else None
            if (team and team["id"]) != conv.team_id:
                conv.team_id = team["id"] if team else None
                name = _name(state, me)
                state.activity(conv, f"Assigned to {team['name']} by {name}" if team
                               else f"Unassigned from {old['name'] if old else 'no team'} by {name}")
            if team is None:
                return 200, None
            stamp = iso(state.started - 400 * 86400)
            return 200, {"id": team["id"], "name": team["name"], "description": team["description"],
                         "allow_auto_assign": True, "account_id": state.account_id, "created_at": stamp,
                         "updated_at": stamp}
        return 200, None


def set_labels(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    """`params.permit(labels: [])`: anything but a list is no labels at all, so it clears them."""
    body = body_dict(body)
    posted = body.get("labels")
    posted = [str(x).strip().lower() for x in posted if isinstance(x, str | int | float)] \
        if isinstance(posted, list) else []
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        state.record_push("labels", conv.id, body)
        known = set(state.account_labels())
        if state.chatwoot_version == "4.x":
            new = sorted({x for x in posted if x in known})  # labels the account does not have are dropped
        else:
            new = sorted({x for x in posted if x})
            state.extra_labels |= set(new) - known
        added, removed = set(new) - set(conv.labels), set(conv.labels) - set(new)
        if added or removed:
            conv.labels = new
            name = _name(state, me)
            if added:
                state.activity(conv, f"{name} added {', '.join(sorted(added))}")
            if removed:
                state.activity(conv, f"{name} removed {', '.join(sorted(removed))}")
        return 200, {"payload": list(conv.labels)}

"""JSON shapes of Chatwoot objects (agent, user, team, contact, conversation, message, CSAT) for the demo API.

Null values are left out rather than sent as null where the published spec types the field as non-nullable
(e.g. `snoozed_until`, `priority`, `meta.assignee`): a missing key means "none".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskapp.demo.seed import Contact, Conversation
    from deskapp.demo.state import DemoState

BOT = {"id": 1, "name": "ShopBot", "type": "agent_bot", "thumbnail": ""}


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def agent_json(state: DemoState, a: dict) -> dict:
    return {"id": a["id"], "account_id": state.account_id, "availability_status": "available",
            "auto_offline": True, "confirmed": True, "email": a["email"], "available_name": a["name"],
            "name": a["name"], "role": a["role"], "thumbnail": ""}


def user_json(state: DemoState, a: dict, *, access_token: str | None = None) -> dict:
    return _clean({
        "id": a["id"], "account_id": state.account_id, "available_name": a["name"], "avatar_url": "",
        "confirmed": True, "display_name": a["name"], "email": a["email"], "name": a["name"], "role": a["role"],
        "provider": "email", "uid": a["email"], "type": "user", "access_token": access_token, "ui_settings": {},
        "accounts": [{"id": state.account_id, "name": "Demo Shop", "status": "active", "role": a["role"],
                      "availability": "online", "availability_status": "online", "auto_offline": True,
                      "active_at": "2025-01-06T09:00:00.000Z"}],
    })


def team_json(state: DemoState, t: dict, me: int) -> dict:
    members = {a["id"] for a in state.world.agents if a["team_id"] == t["id"]}
    return {"id": t["id"], "name": t["name"], "description": t["description"], "allow_auto_assign": True,
            "account_id": state.account_id, "is_member": me in members}


def _inbox_ref(state: DemoState, inbox_id: int) -> dict:
    box = state.world.inboxes[inbox_id - 1]
    return {"id": box["id"], "avatar_url": "", "channel_id": box["id"], "name": box["name"],
            "channel_type": box["channel_type"]}


def contact_json(state: DemoState, c: Contact) -> dict:
    person = state.world.people[c.person_idx]
    source = {"email": c.email, "phone": c.phone, "social": c.identifier}[c.kind] or f"contact-{c.id}"
    return _clean({
        "id": c.id, "name": c.name, "email": c.email, "phone_number": c.phone, "identifier": c.identifier,
        "thumbnail": "", "availability_status": "offline", "blocked": False,
        "additional_attributes": {"city": person.city, "country_code": person.country},
        "custom_attributes": {}, "last_activity_at": c.last_activity_at, "created_at": c.created_at,
        "contact_inboxes": [{"source_id": source, "inbox": _inbox_ref(state, i)} for i in c.inbox_ids],
    })


def _sender_json(state: DemoState, c: Contact) -> dict:
    return _clean({"id": c.id, "name": c.name, "email": c.email, "phone_number": c.phone,
                   "identifier": c.identifier, "thumbnail": "", "availability_status": "offline",
                   "blocked": False, "additional_attributes": {}, "custom_attributes": {},
                   "last_activity_at": c.last_activity_at, "created_at": c.created_at, "type": "contact"})


def message_json(state: DemoState, conv: Conversation, m: dict) -> dict:
    out = _clean({
        "id": m["id"], "content": m["content"], "account_id": state.account_id, "inbox_id": m["inbox_id"],
        "conversation_id": conv.id, "message_type": m["message_type"], "created_at": m["created_at"],
        "updated_at": m["updated_at"], "private": m["private"], "status": m["status"], "source_id": m["source_id"],
        "content_type": m["content_type"], "content_attributes": m["content_attributes"],
        "sender_type": m["sender_type"], "sender_id": m["sender_id"], "additional_attributes": {},
    })
    if m["sender_type"] == "contact":
        out["sender"] = _sender_json(state, state.world.contacts[conv.contact_id - 1])
    elif m["sender_type"] == "agent":
        agent = state.agent(m["sender_id"])
        out["sender"] = {"id": agent["id"], "name": agent["name"], "available_name": agent["name"],
                         "type": "user", "thumbnail": ""}
    elif m["sender_type"] == "agent_bot":
        out["sender"] = dict(BOT)
    return out


def conversation_json(state: DemoState, conv: Conversation) -> dict:
    contact = state.world.contacts[conv.contact_id - 1]
    box = state.world.inboxes[conv.inbox_id - 1]
    msgs = state.messages(conv)
    last = next((m for m in reversed(msgs) if m["message_type"] != 2), None)
    meta: dict[str, Any] = {"sender": _sender_json(state, contact), "channel": box["channel_type"],
                            "hmac_verified": False}
    if conv.assignee_id:
        meta["assignee"] = user_json(state, state.agent(conv.assignee_id))
    if conv.team_id:
        team = state.world.teams[conv.team_id - 1]
        meta["team"] = {"id": team["id"], "name": team["name"]}
    attrs: dict[str, Any] = {}
    if conv.channel == "email":
        attrs["mail_subject"] = _subject(state, conv)
    return _clean({
        "id": conv.id, "uuid": conv.uuid, "account_id": state.account_id, "inbox_id": conv.inbox_id,
        "status": conv.status, "labels": list(conv.labels), "priority": conv.priority,
        "assignee_id": conv.assignee_id, "team_id": conv.team_id, "contact_id": conv.contact_id,
        "created_at": conv.created_at, "updated_at": conv.updated_at, "last_activity_at": conv.last_activity_at,
        "first_reply_created_at": conv.first_reply_at, "waiting_since": conv.waiting_since,
        "snoozed_until": conv.snoozed_until, "unread_count": 0 if conv.status != "open" else 1, "muted": False,
        "can_reply": True, "additional_attributes": attrs, "custom_attributes": {},
        "agent_last_seen_at": conv.updated_at if conv.status != "open" else 0,
        "contact_last_seen_at": conv.last_activity_at,
        "messages": [message_json(state, conv, msgs[-1])] if msgs else [],
        "last_non_activity_message": message_json(state, conv, last) if last else None,
        "meta": meta,
    })


def _subject(state: DemoState, conv: Conversation) -> str:
    order = state.world.orders[conv.order_idx] if conv.order_idx >= 0 else None
    label = conv.topic.replace("_", " ").capitalize()
    return f"{label} - order {order.name}" if order else label


def csat_json(state: DemoState, r: dict) -> dict:
    contact = state.world.contacts[r["contact_id"] - 1]
    out = {"id": r["id"], "rating": r["rating"], "feedback_message": r["feedback_message"],
           "account_id": state.account_id, "message_id": r["message_id"],
           "contact": _clean({"id": contact.id, "name": contact.name, "email": contact.email,
                              "phone_number": contact.phone, "thumbnail": ""}),
           "conversation_id": r["conversation_id"], "created_at": r["created_at"]}
    if r["assignee_id"]:
        out["assigned_agent"] = agent_json(state, state.agent(r["assignee_id"]))
    return out

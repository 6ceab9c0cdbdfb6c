"""JSON shapes of Chatwoot objects for the demo API, as Chatwoot's own jbuilder views and push_event_data
methods render them (null values included: the real server sends `"priority": null`, not a missing key).

Sources (chatwoot/chatwoot): app/views/api/v1/conversations/partials/_conversation.json.jbuilder,
app/views/api/v1/models/{_message,_contact,_agent,_team}.json.jbuilder, app/models/{message,contact,user,
agent_bot,attachment}.rb (push_event_data).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from deskapp.demo.state import ACTIVITY

if TYPE_CHECKING:
    from deskapp.demo.seed import Contact, Conversation
    from deskapp.demo.state import DemoState

# Rails writes a model's time attributes as ISO 8601 with milliseconds (ActiveSupport's JSON encoder)
_POLYMORPHIC = {"contact": "Contact", "agent": "User", "agent_bot": "AgentBot"}


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def agent_json(state: DemoState, a: dict) -> dict:
    """app/views/api/v1/models/_agent.json.jbuilder (availability is AccountUser's enum: online|offline|busy)."""
    return {"id": a["id"], "account_id": state.account_id,
            "availability_status": state.availability.get(a["id"], a.get("availability", "online")),
            "auto_offline": True, "confirmed": True, "email": a["email"], "available_name": a["name"],
            "name": a["name"], "role": a["role"], "thumbnail": ""}


def pubsub_token(agent_id: int) -> str:
    """The user's pubsub_token (a has_secure_token column in Chatwoot): what the RoomChannel subscription names."""
    return f"demo-pubsub-{agent_id:04d}"


def user_json(state: DemoState, a: dict, *, access_token: str) -> dict:
    """The profile (app/views/api/v1/profiles/show.json.jbuilder)."""
    return {
        "id": a["id"], "account_id": state.account_id, "available_name": a["name"], "avatar_url": "",
        "confirmed": True, "display_name": None, "message_signature": None, "email": a["email"], "name": a["name"],
        "role": a["role"], "provider": "email", "uid": a["email"], "type": None, "access_token": access_token,
        "pubsub_token": pubsub_token(a["id"]), "ui_settings": {}, "custom_attributes": {},
        "accounts": [{"id": state.account_id, "name": "Demo Shop", "status": "active", "role": a["role"],
                      "availability": state.availability.get(a["id"], "online"),
                      "availability_status": state.availability.get(a["id"], "online"), "auto_offline": True,
                      "active_at": "2025-01-06T09:00:00.000Z", "custom_role_id": None, "custom_role": None}],
    }


def user_push_json(a: dict) -> dict:
    """User#push_event_data: a message's sender when a user wrote it."""
    return {"id": a["id"], "name": a["name"], "available_name": a["name"], "avatar_url": "", "type": "user",
            "availability_status": "online", "thumbnail": ""}


def bot_push_json(bot: dict) -> dict:
    """AgentBot#push_event_data(inbox): ids of their own, which collide with user ids."""
    return {"id": bot["id"], "name": bot["name"], "avatar_url": "", "type": "agent_bot"}


def contact_push_json(state: DemoState, c: Contact) -> dict:
    """Contact#push_event_data: a message's sender when the customer wrote it."""
    return {"additional_attributes": _contact_attrs(state, c), "custom_attributes": dict(c.custom_attributes or {}),
            "email": c.email, "id": c.id, "identifier": c.identifier, "name": c.name, "phone_number": c.phone,
            "thumbnail": "", "blocked": False, "type": "contact"}


def team_json(state: DemoState, t: dict, me: int) -> dict:
    members = {a["id"] for a in state.world.agents if a["team_id"] == t["id"]}
    return {"id": t["id"], "name": t["name"], "description": t["description"], "allow_auto_assign": True,
            "account_id": state.account_id, "is_member": me in members}


def _inbox_ref(state: DemoState, inbox_id: int) -> dict:
    box = state.world.inboxes[inbox_id - 1]
    return {"id": box["id"], "avatar_url": "", "channel_id": box["id"], "name": box["name"],
            "channel_type": box["channel_type"]}


def _contact_attrs(state: DemoState, c: Contact) -> dict:
    person = state.world.people[c.person_idx]
    return {"city": person.city, "country_code": person.country, **(c.additional_attributes or {})}


def contact_json(state: DemoState, c: Contact, *, with_inboxes: bool = True) -> dict:
    """app/views/api/v1/models/_contact.json.jbuilder: no updated_at, no type; last_activity_at only when set."""
    out: dict[str, Any] = {
        "additional_attributes": _contact_attrs(state, c), "availability_status": "offline", "email": c.email,
        "id": c.id, "name": c.name, "phone_number": c.phone, "blocked": False, "identifier": c.identifier,
        "thumbnail": "", "custom_attributes": dict(c.custom_attributes or {})}
    if c.last_activity_at is not None:
        out["last_activity_at"] = c.last_activity_at
    out["created_at"] = c.created_at
    if with_inboxes:
        source = {"email": c.email, "phone": c.phone, "social": c.identifier}[c.kind] or f"contact-{c.id}"
        out["contact_inboxes"] = [{"source_id": source, "inbox": _inbox_ref(state, i)} for i in c.inbox_ids]
    return out


def _attachment_json(state: DemoState, m: dict, a: dict) -> dict:
    """Attachment#push_event_data: the file's extension is often unknown (null); data_url and file_type are set."""
    url = f"{state.public_url}/rails/active_storage/blobs/redirect/demo{a['id']}/{a['id']}"
    return {"id": a["id"], "message_id": m["id"], "file_type": a["file_type"], "account_id": state.account_id,
            "extension": a["extension"], "data_url": url, "thumb_url": url + "?thumb=1",
            "file_size": a["file_size"], "width": a["width"], "height": a["height"]}


def _sender(state: DemoState, conv: Conversation, m: dict) -> dict | None:
    kind = m["sender_type"]
    if kind == "contact":
        return contact_push_json(state, state.world.contacts[m["sender_id"] - 1])
    if kind == "agent":
        return user_push_json(state.agent(m["sender_id"]))
    if kind == "agent_bot":
        return bot_push_json(state.bot(m["sender_id"]))
    return None


def message_json(state: DemoState, conv: Conversation, m: dict, *, echo_id: Any = None) -> dict:
    """app/views/api/v1/models/_message.json.jbuilder: no account_id, updated_at, sender_type, sender_id or
    additional_attributes; the author only as `sender` (absent for activity and template messages)."""
    out: dict[str, Any] = {"id": m["id"], "content": m["content"], "inbox_id": m["inbox_id"]}
    if echo_id:  # an attribute of the object just built, never stored: only the create answer carries it
        out["echo_id"] = echo_id
    out.update({"conversation_id": conv.id, "message_type": m["message_type"], "content_type": m["content_type"],
                "status": m["status"], "content_attributes": m["content_attributes"], "created_at": m["created_at"],
                "private": m["private"], "source_id": m["source_id"]})
    return _with_sender_and_attachments(state, conv, m, out)


def message_push_json(state: DemoState, conv: Conversation, m: dict) -> dict:
    """Message#push_event_data (a conversation's `messages[0]` and `last_non_activity_message`): every column,
    so sender_type is the Rails class name and updated_at an ISO string, unlike the messages list."""
    out: dict[str, Any] = {
        "id": m["id"], "content": m["content"], "account_id": state.account_id, "inbox_id": m["inbox_id"],
        "conversation_id": conv.id, "message_type": m["message_type"], "created_at": m["created_at"],
        "updated_at": iso(m["updated_at"]), "private": m["private"], "status": m["status"],
        "source_id": m["source_id"], "content_type": m["content_type"], "content_attributes": m["content_attributes"],
        "sender_type": _POLYMORPHIC.get(m["sender_type"]), "sender_id": m["sender_id"], "external_source_ids": {},
        "additional_attributes": m["additional_attributes"], "processed_message_content": m["content"],
        "sentiment": {},
        "conversation": {"assignee_id": conv.assignee_id, "unread_count": _unread(conv),
                         "last_activity_at": conv.last_activity_at,
                         "contact_inbox": {"source_id": contact_source(state, conv)}}}
    return _with_sender_and_attachments(state, conv, m, out)


def contact_source(state: DemoState, conv: Conversation) -> str:
    c = state.world.contacts[conv.contact_id - 1]
    return {"email": c.email, "phone": c.phone, "social": c.identifier}[c.kind] or f"contact-{c.id}"


def _unread(conv: Conversation) -> int:
    return 0 if conv.status != "open" else 1


def conversation_json(state: DemoState, conv: Conversation) -> dict:
    """app/views/api/v1/conversations/partials/_conversation.json.jbuilder (v4)."""
    contact = state.world.contacts[conv.contact_id - 1]
    box = state.world.inboxes[conv.inbox_id - 1]
    msgs = state.messages(conv)
    last = next((m for m in reversed(msgs) if m["message_type"] != ACTIVITY), None)
    meta: dict[str, Any] = {"sender": contact_json(state, contact, with_inboxes=False),
                            "channel": box["channel_type"]}
    if conv.assignee_id:
        meta["assignee"] = agent_json(state, state.agent(conv.assignee_id))
    if conv.team_id:
        meta["team"] = team_json(state, state.world.teams[conv.team_id - 1], 0)
    meta["hmac_verified"] = False
    attrs: dict[str, Any] = {}
    if conv.channel == "email":
        attrs["mail_subject"] = _subject(state, conv)
    seen = int(conv.updated_at) if conv.status != "open" else 0
    return {
        "meta": meta, "id": conv.id,
        "messages": [message_push_json(state, conv, msgs[-1])] if msgs else [],
        "account_id": state.account_id, "uuid": conv.uuid, "additional_attributes": attrs,
        "agent_last_seen_at": seen, "assignee_last_seen_at": seen, "can_reply": True,
        "contact_last_seen_at": conv.last_activity_at, "custom_attributes": {}, "inbox_id": conv.inbox_id,
        "labels": list(conv.labels), "muted": False, "snoozed_until": iso(conv.snoozed_until),
        "status": conv.status, "created_at": conv.created_at, "updated_at": float(conv.updated_at),
        "timestamp": conv.last_activity_at,
        "first_reply_created_at": conv.first_reply_at or 0,  # `.to_i` on nil: 0 means nobody replied yet
        "unread_count": _unread(conv),
        "last_non_activity_message": message_push_json(state, conv, last) if last else None,
        "last_activity_at": conv.last_activity_at, "priority": conv.priority,
        "waiting_since": conv.waiting_since or 0, "sla_policy_id": None,
    }


def _subject(state: DemoState, conv: Conversation) -> str:
    order = state.world.orders[conv.order_idx] if conv.order_idx >= 0 else None
    label = conv.topic.replace("_", " ").capitalize()
    return f"{label} - order {order.name}" if order else label


def csat_json(state: DemoState, r: dict) -> dict:
    contact = state.world.contacts[r["contact_id"] - 1]
    out = {"id": r["id"], "rating": r["rating"], "feedback_message": r["feedback_message"],
           "account_id": state.account_id, "message_id": r["message_id"],
           "contact": {"id": contact.id, "name": contact.name, "email": contact.email,
                       "phone_number": contact.phone, "thumbnail": ""},
           "conversation_id": r["conversation_id"], "created_at": r["created_at"]}
    if r["assignee_id"]:
        out["assigned_agent"] = agent_json(state, state.agent(r["assignee_id"]))
    return out


def _with_sender_and_attachments(state: DemoState, conv: Conversation, m: dict, out: dict) -> dict:
    """Both message shapes end alike: the sender partial when there is one, the attachments when any."""
    sender = _sender(state, conv, m)
    if sender is not None:
        out["sender"] = sender
    if m["attachments"]:
        out["attachments"] = [_attachment_json(state, m, a) for a in m["attachments"]]
    return out

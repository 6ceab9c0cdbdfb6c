"""Chatwoot wire payloads shaped as a Chatwoot v4 server renders them, for connector tests.

Each builder follows the server's own view (chatwoot/chatwoot, v4.x):
- ``contact``: app/views/api/v1/models/_contact.json.jbuilder (no ``updated_at``; ``last_activity_at`` only
  when set; ``created_at`` as Unix seconds);
- ``sender_*``: the ``push_event_data`` of Contact, User and AgentBot (``type`` contact | user | agent_bot);
- ``conversation``: app/views/api/v1/conversations/partials/_conversation.json.jbuilder (``.to_i`` times, so
  ``first_reply_created_at`` is 0 until a human replied; ``updated_at`` a float; no ``resolved_at``);
- ``message``: app/views/api/v1/accounts/conversations/messages/index.json.jbuilder and its partial (no
  ``sender_type``, ``sender_id``, ``additional_attributes`` or ``updated_at``);
- ``activity``: the notices of conversations.activity.* in config/locales/en.yml.
"""

from __future__ import annotations

from typing import Any

from tests.connectors.scripted_server import Reply, Seen

ACCOUNT = 7
PREFIX = f"/api/v1/accounts/{ACCOUNT}"
T0 = 1_760_000_000  # a fixed Unix time the payloads count from

MESSAGE_TYPE = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}


def contact(cid: int, *, last_activity_at: int | bool | None = True, **extra: Any) -> dict[str, Any]:
    out = {"additional_attributes": {}, "availability_status": "offline", "email": f"Customer{cid}@Example.COM",
           "id": cid, "name": f"Customer {cid}", "phone_number": "+49 151 1234567" if cid % 2 else None,
           "blocked": False, "identifier": None, "thumbnail": "", "custom_attributes": {},
           "created_at": T0 - 1000 + cid}
    if last_activity_at is True:
        out["last_activity_at"] = T0 + cid
    elif last_activity_at:
        out["last_activity_at"] = last_activity_at
    return {**out, **extra}


def sender_contact(cid: int, **extra: Any) -> dict[str, Any]:
    return {"additional_attributes": {}, "custom_attributes": {}, "email": f"customer{cid}@example.com", "id": cid,
            "identifier": None, "name": f"Customer {cid}", "phone_number": None, "thumbnail": "",
            "blocked": False, "type": "contact", **extra}


def sender_user(uid: int = 3, name: str = "Ann") -> dict[str, Any]:
    return {"id": uid, "name": name, "available_name": f"{name} A.", "avatar_url": "", "type": "user",
            "availability_status": "online", "thumbnail": ""}


def sender_bot(bid: int = 3, name: str = "ShopBot") -> dict[str, Any]:
    """An agent bot: numbered apart from users, so its id may equal an agent's."""
    return {"id": bid, "name": name, "avatar_url": "", "type": "agent_bot"}


def conversation(cid: int, *, status: str = "open", inbox_id: int = 1, contact_id: int | None = None,
                 first_reply: int = 0, **extra: Any) -> dict[str, Any]:
    return {"meta": {"sender": contact(contact_id or 100 + cid), "channel": "Channel::WebWidget",
                     "assignee": {"id": 3, "name": "Ann", "available_name": "Ann A.", "role": "agent"},
                     "hmac_verified": False},
            "id": cid, "messages": [], "account_id": ACCOUNT, "uuid": f"uuid-{cid}", "additional_attributes": {},
            "agent_last_seen_at": 0, "assignee_last_seen_at": 0, "can_reply": True, "contact_last_seen_at": 0,
            "custom_attributes": {}, "inbox_id": inbox_id, "labels": ["delivery"], "muted": False,
            "snoozed_until": None, "status": status, "created_at": T0 + cid, "updated_at": T0 + cid + 50.5,
            "timestamp": T0 + cid + 50, "first_reply_created_at": first_reply, "unread_count": 1,
            "last_non_activity_message": None, "last_activity_at": T0 + cid + 50, "priority": None,
            "waiting_since": 0, "sla_policy_id": None, **extra}


def conversation_page(items: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    count = len(items) if total is None else total
    return {"data": {"meta": {"mine_count": 0, "assigned_count": count, "unassigned_count": 0,
                              "all_count": count}, "payload": items}}


def message(mid: int, conv: int = 1, *, mtype: Any = 0, private: bool = False, sender: dict | bool | None = True,
            **extra: Any) -> dict[str, Any]:
    """A message list item; the sender defaults to the conversation's contact (incoming) or agent 3."""
    out: dict[str, Any] = {"id": mid, "content": f"message {mid}", "inbox_id": 1, "conversation_id": conv,
                           "message_type": mtype, "content_type": "text", "status": "sent", "content_attributes": {},
                           "created_at": T0 + mid, "private": private, "source_id": None}
    if sender is True:
        sender = sender_contact(100 + conv) if mtype in (0, "incoming") else (
            None if mtype in (2, 3, "activity", "template") else sender_user())
    if sender:
        out["sender"] = sender
    return {**out, **extra}


def activity(mid: int, conv: int, text: str, **extra: Any) -> dict[str, Any]:
    return message(mid, conv, mtype=2, content=text, **extra)


def messages_handler(all_messages: list[dict[str, Any]]):
    """Chatwoot's MessageFinder: latest 20; ``before`` -> 20 older; ``after`` -> up to 100 newer; ascending."""

    def handle(seen: Seen) -> Reply:
        ordered = sorted(all_messages, key=lambda m: m["id"])
        before, after = seen.arg("before"), seen.arg("after")
        if after is not None and before is not None:
            page = [m for m in ordered if int(after) <= m["id"] < int(before)][:1000]
        elif after is not None:
            page = [m for m in ordered if m["id"] > int(after)][:100]
        elif before is not None:
            page = [m for m in ordered if m["id"] < int(before)][-20:]
        else:
            page = ordered[-20:]
        return Reply(200, {"meta": {"labels": [], "additional_attributes": {}, "contact_id": 101}, "payload": page})

    return handle


def pages_handler(pages: list[Any], wrap=lambda items: {"meta": {}, "payload": items}):
    """Answer ``?page=N`` with pages[N-1] (past the end: an empty page)."""

    def handle(seen: Seen) -> Reply:
        number = int(seen.arg("page") or 1)
        items = pages[number - 1] if number <= len(pages) else []
        return items if isinstance(items, Reply) else Reply(200, wrap(items))

    return handle


def contacts_page(items: list[dict[str, Any]], page: int = 1) -> dict[str, Any]:
    """contacts/index.json.jbuilder: ``meta {count, current_page}`` and the page (15 per page)."""
    return {"meta": {"count": len(items), "current_page": page}, "payload": items}


INVALID_TOKEN = {"error": "Invalid Access Token"}  # AccessTokenAuthHelper#authenticate_access_token!
NOT_AUTHORIZED = {"error": "You are not authorized to do this action"}  # Pundit::NotAuthorizedError
NOT_FOUND = {"error": "Resource could not be found"}  # ActiveRecord::RecordNotFound
RETRY_LATER = Reply(429, "Retry later\n", {"Content-Type": "text/plain"})  # Rack::Attack, no Retry-After

"""Chatwoot wire payloads shaped like the published swagger (and Chatwoot v4.10 source), for connector tests."""

from __future__ import annotations

from typing import Any

from tests.connectors.scripted_server import Reply, Seen

ACCOUNT = 7
PREFIX = f"/api/v1/accounts/{ACCOUNT}"
T0 = 1_760_000_000  # a fixed Unix time the payloads count from


def contact(cid: int, **extra: Any) -> dict[str, Any]:
    return {"id": cid, "name": f"Customer {cid}", "email": f"Customer{cid}@Example.COM",
            "phone_number": "+49 151 1234567" if cid % 2 else None, "identifier": None, "thumbnail": "",
            "additional_attributes": {}, "custom_attributes": {}, "availability_status": "offline",
            "blocked": False, "last_activity_at": T0 + cid, "created_at": T0 - 1000 + cid, **extra}


def conversation(cid: int, *, status: str = "open", inbox_id: int = 1, contact_id: int | None = None,
                 **extra: Any) -> dict[str, Any]:
    sender = contact(contact_id or 100 + cid)
    return {"id": cid, "account_id": ACCOUNT, "inbox_id": inbox_id, "status": status, "priority": None,
            "labels": ["delivery"], "created_at": T0 + cid, "updated_at": T0 + cid + 50.5, "timestamp": T0 + cid,
            "last_activity_at": T0 + cid + 50, "first_reply_created_at": T0 + cid + 20, "unread_count": 1,
            "snoozed_until": None, "additional_attributes": {}, "custom_attributes": {}, "muted": False,
            "can_reply": True, "messages": [],
            "meta": {"sender": sender, "channel": "Channel::WebWidget", "assignee": {"id": 3, "name": "Ann"},
                     "hmac_verified": False}, **extra}


def conversation_page(items: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    count = len(items) if total is None else total
    return {"data": {"meta": {"mine_count": 0, "assigned_count": count, "unassigned_count": 0,
                              "all_count": count}, "payload": items}}


def message(mid: int, conv: int = 1, *, mtype: Any = 0, private: bool = False, **extra: Any) -> dict[str, Any]:
    sender = {"id": 100 + conv, "name": "Customer", "type": "contact"} if mtype == 0 else {
        "id": 3, "name": "Ann", "available_name": "Ann A.", "type": "user"}
    return {"id": mid, "content": f"message {mid}", "account_id": ACCOUNT, "inbox_id": 1, "conversation_id": conv,
            "message_type": mtype, "created_at": T0 + mid, "updated_at": T0 + mid, "private": private,
            "status": "sent", "source_id": None, "content_type": "text", "content_attributes": {},
            "sender_type": "contact" if mtype == 0 else "agent", "sender_id": sender["id"], "sender": sender,
            **extra}


def messages_handler(all_messages: list[dict[str, Any]]):
    """Chatwoot's MessageFinder: latest 20; ``before`` -> 20 older; ``after`` -> up to 100 newer; ascending."""
    ordered = sorted(all_messages, key=lambda m: m["id"])

    def handle(seen: Seen) -> Reply:
        before, after = seen.arg("before"), seen.arg("after")
        if after is not None:
            page = [m for m in ordered if m["id"] > int(after)][:100]
        elif before is not None:
            page = [m for m in ordered if m["id"] < int(before)][-20:]
        else:
            page = ordered[-20:]
        return Reply(200, {"meta": {"labels": [], "contact": {}}, "payload": page})

    return handle


def pages_handler(pages: list[Any], wrap=lambda items: {"meta": {}, "payload": items}):
    """Answer ``?page=N`` with pages[N-1] (past the end: an empty page)."""

    def handle(seen: Seen) -> Reply:
        number = int(seen.arg("page") or 1)
        items = pages[number - 1] if number <= len(pages) else []
        return items if isinstance(items, Reply) else Reply(200, wrap(items))

    return handle

"""The Chatwoot application API (v4.10 shapes, per the published swagger.json plus the server-side paging rules
the spec omits) over the demo state: `dispatch()` maps one request to (status, JSON body)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from deskapp.demo.chatwoot_json import (
    agent_json,
    contact_json,
    conversation_json,
    csat_json,
    message_json,
    team_json,
    user_json,
)
from deskapp.demo.seed import Conversation
from deskapp.demo.state import ACTIVITY, INCOMING, OUTGOING, DemoState

CONVERSATIONS_PER_PAGE = 25
CONTACTS_PER_PAGE = 15
CSAT_PER_PAGE = 25
STATUSES = ("open", "resolved", "pending", "snoozed")
PRIORITIES = ("urgent", "high", "medium", "low")
Answer = tuple[int, Any]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _int(query: dict[str, list[str]], name: str, default: int | None = None) -> int | None:
    values = query.get(name)
    if not values or values[-1] == "":
        return default
    try:
        return int(values[-1])
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None


def _str(query: dict[str, list[str]], name: str, default: str | None = None) -> str | None:
    values = query.get(name)
    return values[-1] if values else default


def _conv(state: DemoState, conv_id: str) -> Conversation:
    conv = state.conversation(int(conv_id))
    if conv is None:
        raise ApiError(404, "Resource could not be found")
    return conv


def _body_dict(body: Any) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


# --- reads --------------------------------------------------------------------------------------------

def profile(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    token = next(t for t, a in state.tokens.items() if a == me)
    return 200, user_json(state, state.agent(me), access_token=token)


def agents(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    return 200, [agent_json(state, a) for a in state.world.agents]


def teams(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    return 200, [team_json(state, t, me) for t in state.world.teams]


def inboxes(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    payload = []
    for box in state.world.inboxes:
        item = {"id": box["id"], "name": box["name"], "channel_type": box["channel_type"], "channel_id": box["id"],
                "avatar_url": "", "greeting_enabled": box["key"] == "web_chat", "enable_auto_assignment": True,
                "csat_survey_enabled": True, "working_hours_enabled": False, "timezone": "UTC"}
        if box["key"] in ("whatsapp", "sms"):
            item["phone_number"] = "+15550100" + str(box["id"]).zfill(3)
            item["provider"] = "whatsapp_cloud" if box["key"] == "whatsapp" else "default"
            item["medium"] = box["key"]
        if box["key"] == "email":
            item["email"] = "support@shop.example.com"
        payload.append(item)
    return 200, {"payload": payload}


_CONTACT_SORTS = {
    "name": lambda c: (c.name.lower(), c.id), "email": lambda c: ((c.email or "\uffff").lower(), c.id),
    "phone_number": lambda c: (c.phone or "\uffff", c.id),
    "last_activity_at": lambda c: (c.last_activity_at or 0, c.id),
}


def contacts(state: DemoState, me: int, q: dict, body: Any, *, overlap: bool = False) -> Answer:
    sort = _str(q, "sort") or "-last_activity_at"
    key = _CONTACT_SORTS.get(sort.lstrip("-"))
    if key is None:
        raise ApiError(400, f"unknown sort {sort!r}")
    page = max(1, _int(q, "page", 1) or 1)
    with state.lock:
        live = [c for c in state.world.contacts if c.id not in state.merged_contacts]
        rows = sorted(live, key=key, reverse=sort.startswith("-"))
        chunk = _page(rows, page, CONTACTS_PER_PAGE, overlap)
        return 200, {"meta": {"count": len(rows), "current_page": str(page)},
                     "payload": [contact_json(state, c) for c in chunk]}


def contacts_search(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    needle = (_str(q, "q") or "").strip().lower()
    if not needle:
        raise ApiError(400, "q is required")
    page = max(1, _int(q, "page", 1) or 1)
    with state.lock:
        rows = [c for c in state.world.contacts if c.id not in state.merged_contacts
                and any(needle in (v or "").lower() for v in (c.name, c.email, c.phone, c.identifier))]
        chunk = rows[(page - 1) * CONTACTS_PER_PAGE: page * CONTACTS_PER_PAGE]
        return 200, {"meta": {"count": len(rows), "current_page": str(page)},
                     "payload": [contact_json(state, c) for c in chunk]}


def contact_show(state: DemoState, me: int, q: dict, body: Any, contact_id: str) -> Answer:
    with state.lock:
        return 200, {"payload": contact_json(state, _contact(state, contact_id))}


def _contact(state: DemoState, contact_id: Any) -> Any:
    """A live contact (a merged-away one is gone, as Chatwoot deletes it), or 404."""
    cid = int(contact_id) if str(contact_id).isdigit() else 0
    if not 1 <= cid <= len(state.world.contacts) or cid in state.merged_contacts:
        raise ApiError(404, "Resource could not be found")
    return state.world.contacts[cid - 1]


def contact_merge(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    """The mergee's conversations move to the base contact; the mergee is deleted (Chatwoot's contact merge)."""
    body = _body_dict(body)
    base_id, mergee_id = body.get("base_contact_id"), body.get("mergee_contact_id")
    if not isinstance(base_id, int) or not isinstance(mergee_id, int) or base_id == mergee_id:
        raise ApiError(400, "base_contact_id and mergee_contact_id must be two different contact ids")
    with state.lock:
        try:
            base, mergee = _contact(state, base_id), _contact(state, mergee_id)
        except ApiError as exc:
            raise ApiError(400, "invalid contact IDs") from exc
        for conv in state.world.conversations:
            if conv.contact_id == mergee.id:
                conv.contact_id = base.id
                state.touch(conv)
        state.merged_contacts[mergee.id] = base.id
        state.version += 1
        state.record_push("contact_merge", 0, body)
        return 200, contact_json(state, base)


def _rank(priority: str | None) -> int:
    return 0 if priority is None else len(PRIORITIES) - PRIORITIES.index(priority)


_CONV_SORTS: dict[str, tuple[Callable[[Conversation], Any], bool]] = {
    "last_activity_at_desc": (lambda c: (c.last_activity_at, c.id), True),
    "last_activity_at_asc": (lambda c: (c.last_activity_at, c.id), False),
    "created_at_desc": (lambda c: (c.created_at, c.id), True),
    "created_at_asc": (lambda c: (c.created_at, c.id), False),
    "priority_desc": (lambda c: (_rank(c.priority), c.last_activity_at, c.id), True),
    "priority_asc": (lambda c: (_rank(c.priority), c.last_activity_at, c.id), False),
    "waiting_since_desc": (lambda c: (c.waiting_since or 0, c.id), True),
    "waiting_since_asc": (lambda c: (c.waiting_since or 1 << 40, c.id), False),
}


def _page(rows: list, page: int, size: int, overlap: bool) -> list:
    start = (page - 1) * size
    return rows[max(0, start - 1) if overlap else start: start + size]


def conversations(state: DemoState, me: int, q: dict, body: Any, *, overlap: bool = False) -> Answer:
    status = _str(q, "status") or "open"
    if status not in (*STATUSES, "all"):
        raise ApiError(400, f"unknown status {status!r}")
    assignee_type = _str(q, "assignee_type") or "all"
    if assignee_type not in ("me", "unassigned", "all", "assigned"):
        raise ApiError(400, f"unknown assignee_type {assignee_type!r}")
    sort_by = _str(q, "sort_by") or "last_activity_at_desc"
    if sort_by not in _CONV_SORTS:
        raise ApiError(400, f"unknown sort_by {sort_by!r}")
    inbox_id, team_id = _int(q, "inbox_id"), _int(q, "team_id")
    labels = set(q.get("labels[]", []) + q.get("labels", []))
    updated_within = _int(q, "updated_within")
    page = max(1, _int(q, "page", 1) or 1)
    cache_key = (status, inbox_id, team_id, frozenset(labels), assignee_type, sort_by, me, state.version)
    with state.lock:
        cached = None if updated_within is not None else state.list_cache
        if cached is not None and cached[0] == cache_key:
            meta, chosen = cached[1], cached[2]
        else:
            meta, chosen = _filter_conversations(state, me, status, inbox_id, team_id, labels, updated_within,
                                                 assignee_type, sort_by)
            if updated_within is None:  # paging walks the same list: keep it until something changes
                state.list_cache = (cache_key, meta, chosen)
        if updated_within is None:
            chosen = _page(chosen, page, CONVERSATIONS_PER_PAGE, overlap)
        return 200, {"data": {"meta": meta, "payload": [conversation_json(state, c) for c in chosen]}}


def _filter_conversations(state: DemoState, me: int, status: str, inbox_id: int | None, team_id: int | None,
                          labels: set[str], updated_within: int | None, assignee_type: str,
                          sort_by: str) -> tuple[dict, list[Conversation]]:
    base = [c for c in state.conversations
            if (status == "all" or c.status == status) and (inbox_id is None or c.inbox_id == inbox_id)
            and (team_id is None or c.team_id == team_id) and (not labels or labels & set(c.labels))]
    if updated_within is not None:  # Chatwoot: every conversation changed in the window, unpaginated
        since = int(time.time()) - updated_within
        base = [c for c in base if c.updated_at > since]
    meta = {"mine_count": sum(1 for c in base if c.assignee_id == me),
            "unassigned_count": sum(1 for c in base if c.assignee_id is None),
            "assigned_count": sum(1 for c in base if c.assignee_id is not None), "all_count": len(base)}
    chosen = [c for c in base if assignee_type == "all" or (assignee_type == "me" and c.assignee_id == me)
              or (assignee_type == "unassigned" and c.assignee_id is None)
              or (assignee_type == "assigned" and c.assignee_id is not None)]
    key, reverse = _CONV_SORTS[sort_by]
    chosen.sort(key=key, reverse=reverse)
    return meta, chosen


def conversation_show(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    with state.lock:
        return 200, conversation_json(state, _conv(state, conv_id))


def messages(state: DemoState, me: int, q: dict, body: Any, conv_id: str, *, overlap: bool = False) -> Answer:
    after, before = _int(q, "after"), _int(q, "before")
    if overlap and after is not None:  # the cursor's own message comes back: a cursor going backwards
        after -= 1
    with state.lock:
        conv = _conv(state, conv_id)
        msgs = state.messages(conv)
        if after is not None and before is not None:
            chosen = [m for m in msgs if after < m["id"] < before][:1000]
        elif after is not None:
            chosen = [m for m in msgs if m["id"] > after][:100]
        elif before is not None:
            chosen = [m for m in msgs if m["id"] < before][-20:]
        else:
            chosen = msgs[-20:]
        contact = state.world.contacts[conv.contact_id - 1]
        meta: dict[str, Any] = {"labels": list(conv.labels), "additional_attributes": {},
                                "contact": contact_json(state, contact)}
        if conv.assignee_id:
            meta["assignee"] = agent_json(state, state.agent(conv.assignee_id))
        return 200, {"meta": meta, "payload": [message_json(state, conv, m) for m in chosen]}


def delete_message(state: DemoState, me: int, q: dict, body: Any, conv_id: str, message_id: str) -> Answer:
    with state.lock:
        conv = _conv(state, conv_id)
        message = state.delete_message(conv, int(message_id))
        if message is None:
            raise ApiError(404, "The message or conversation does not exist in the account")
        return 200, message_json(state, conv, message)


def labels_show(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    with state.lock:
        return 200, {"payload": list(_conv(state, conv_id).labels)}


def canned_responses(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    from deskapp.demo.texts import CANNED_RESPONSES

    stamp = "2025-01-06T09:00:00.000Z"
    return 200, [{"id": i, "account_id": state.account_id, "short_code": code, "content": text,
                  "created_at": stamp, "updated_at": stamp} for i, (code, text) in enumerate(CANNED_RESPONSES, 1)]


def csat_responses(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    page = max(1, _int(q, "page", 1) or 1)
    since, until = _int(q, "since"), _int(q, "until")
    with state.lock:
        rows = [r for r in state.csat if (since is None or r["created_at"] >= since)
                and (until is None or r["created_at"] <= until)]
        chunk = rows[(page - 1) * CSAT_PER_PAGE: page * CSAT_PER_PAGE]
        return 200, [csat_json(state, r) for r in chunk]


# --- pushes -------------------------------------------------------------------------------------------

def send_message(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    body = _body_dict(body)
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(422, "content can't be blank")
    kind = body.get("message_type", "outgoing")
    if kind not in ("outgoing", "incoming"):
        raise ApiError(422, f"message_type {kind!r} is not valid")
    private = body.get("private", False)
    attrs = body.get("content_attributes", {})
    if not isinstance(private, bool) or not isinstance(attrs, dict):
        raise ApiError(422, "private must be a boolean and content_attributes an object")
    with state.lock:
        conv = _conv(state, conv_id)
        if kind == "incoming":
            msg = state.add_message(conv, content=content, message_type=INCOMING, sender_type="contact",
                                    sender_id=conv.contact_id, content_attributes=attrs)
            if conv.status in ("resolved", "snoozed"):
                conv.status = "open"
        else:
            msg = state.add_message(conv, content=content, message_type=OUTGOING, private=private,
                                    sender_type="agent", sender_id=me, content_attributes=attrs,
                                    content_type=body.get("content_type") or "text")
        state.received_messages.append({"id": msg["id"], "conversation_id": conv.id, "content": content,
                                        "message_type": kind, "private": private,
                                        "content_attributes": dict(attrs), "sender_id": me})
        state.record_push("note" if private else "incoming" if kind == "incoming" else "reply", conv.id, body)
        return 200, message_json(state, conv, msg)


def toggle_status(state: DemoState, me: int, q: dict, body: Any, conv_id: str, *,
                  conflict_resolved: bool = False) -> Answer:
    body = _body_dict(body)
    wanted = body.get("status")
    until = body.get("snoozed_until")
    if wanted is not None and wanted not in STATUSES:
        raise ApiError(422, f"status {wanted!r} is not valid")
    if until is not None and (isinstance(until, bool) or not isinstance(until, int | float)):
        raise ApiError(422, "snoozed_until must be a Unix timestamp")
    with state.lock:
        conv = _conv(state, conv_id)
        state.record_push("status", conv.id, body)
        name = state.agent(me)["name"]
        if conflict_resolved:  # another agent got there first
            other = next(a for a in state.world.agents if a["id"] != me)
            if conv.status != "resolved":
                conv.status, conv.snoozed_until = "resolved", None
                state.activity(conv, f"Conversation was marked resolved by {other['name']}")
            return 200, {"meta": {}, "payload": {"success": wanted == "resolved", "current_status": "resolved",
                                                 "conversation_id": conv.id}}
        if wanted is None:
            wanted = "open" if conv.status == "resolved" else "resolved"
        if wanted != conv.status or wanted == "snoozed":
            conv.status = wanted
            conv.snoozed_until = int(until) if wanted == "snoozed" and until is not None else None
            text = {"open": f"Conversation was reopened by {name}",
                    "snoozed": f"Conversation was snoozed by {name}"}.get(wanted,
                                                                        f"Conversation was marked {wanted} by {name}")
            state.activity(conv, text)
        return 200, {"meta": {}, "payload": {"success": True, "current_status": conv.status,
                                             "conversation_id": conv.id}}


def assign(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    body = _body_dict(body)
    with state.lock:
        conv = _conv(state, conv_id)
        name = state.agent(me)["name"]
        if "assignee_id" in body:
            agent_id = body["assignee_id"]
            agent = state.agent(int(agent_id)) if isinstance(agent_id, int | float) and agent_id else None
            if agent_id and agent is None:
                raise ApiError(404, f"agent {agent_id} not found")
            state.record_push("assign", conv.id, body)
            if (agent and agent["id"]) != conv.assignee_id:
                conv.assignee_id = agent["id"] if agent else None
                state.activity(conv, f"Assigned to {agent['name']} by {name}" if agent
                               else f"Conversation unassigned by {name}")
            return 200, user_json(state, agent) if agent else {}
        if "team_id" in body:
            team_id = body["team_id"]
            team = next((t for t in state.world.teams if t["id"] == team_id), None)
            if team_id and team is None:
                raise ApiError(404, f"team {team_id} not found")
            state.record_push("assign_team", conv.id, body)
            if (team and team["id"]) != conv.team_id:
                conv.team_id = team["id"] if team else None
                state.activity(conv, f"Assigned to {team['name']} team by {name}" if team
                               else f"Unassigned from team by {name}")
            return 200, team_json(state, team, me) if team else {}
        raise ApiError(422, "assignee_id or team_id is required")


def set_labels(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    body = _body_dict(body)
    labels = body.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ApiError(422, "labels must be an array of strings")
    with state.lock:
        conv = _conv(state, conv_id)
        state.record_push("labels", conv.id, body)
        new = sorted({x.strip().lower() for x in labels if x.strip()})
        added, removed = set(new) - set(conv.labels), set(conv.labels) - set(new)
        if added or removed:
            conv.labels = new
            name = state.agent(me)["name"]
            if added:
                state.activity(conv, f"{name} added {', '.join(sorted(added))}")
            if removed:
                state.activity(conv, f"{name} removed {', '.join(sorted(removed))}")
        return 200, {"payload": list(conv.labels)}


def _set_priority(state: DemoState, me: int, conv: Conversation, priority: Any) -> None:
    if priority not in (*PRIORITIES, "none", None):
        raise ApiError(422, f"priority {priority!r} is not valid")
    new = None if priority in ("none", None) else priority
    if new != conv.priority:
        conv.priority = new
        state.activity(conv, f"{state.agent(me)['name']} set the priority to {priority or 'none'}")
    state.touch(conv)


def toggle_priority(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    body = _body_dict(body)
    if "priority" not in body:
        raise ApiError(422, "priority is required")
    with state.lock:
        conv = _conv(state, conv_id)
        _set_priority(state, me, conv, body["priority"])
        state.record_push("priority", conv.id, body)
        return 200, None  # Chatwoot answers `head :ok`: an empty body


def update_conversation(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    body = _body_dict(body)
    with state.lock:
        conv = _conv(state, conv_id)
        if "priority" in body:
            _set_priority(state, me, conv, body["priority"])
        state.record_push("update", conv.id, body)
        return 200, conversation_json(state, conv)


_ACC = r"/api/v1/accounts/(?P<account>\d+)"
ROUTES: list[tuple[str, re.Pattern[str], Callable[..., Answer]]] = [
    (m, re.compile(p + r"/?$"), fn) for m, p, fn in (
        ("GET", r"/api/v1/profile", profile),
        ("GET", _ACC + r"/agents", agents),
        ("GET", _ACC + r"/teams", teams),
        ("GET", _ACC + r"/inboxes", inboxes),
        ("GET", _ACC + r"/contacts", contacts),
        ("GET", _ACC + r"/contacts/search", contacts_search),
        ("GET", _ACC + r"/contacts/(?P<contact_id>\d+)", contact_show),
        ("POST", _ACC + r"/actions/contact_merge", contact_merge),
        ("GET", _ACC + r"/canned_responses", canned_responses),
        ("GET", _ACC + r"/csat_survey_responses", csat_responses),
        ("GET", _ACC + r"/conversations", conversations),
        ("GET", _ACC + r"/conversations/(?P<conv_id>\d+)", conversation_show),
        ("PATCH", _ACC + r"/conversations/(?P<conv_id>\d+)", update_conversation),
        ("GET", _ACC + r"/conversations/(?P<conv_id>\d+)/messages", messages),
        ("POST", _ACC + r"/conversations/(?P<conv_id>\d+)/messages", send_message),
        ("DELETE", _ACC + r"/conversations/(?P<conv_id>\d+)/messages/(?P<message_id>\d+)", delete_message),
        ("POST", _ACC + r"/conversations/(?P<conv_id>\d+)/toggle_status", toggle_status),
        ("POST", _ACC + r"/conversations/(?P<conv_id>\d+)/toggle_priority", toggle_priority),
        ("POST", _ACC + r"/conversations/(?P<conv_id>\d+)/assignments", assign),
        ("GET", _ACC + r"/conversations/(?P<conv_id>\d+)/labels", labels_show),
        ("POST", _ACC + r"/conversations/(?P<conv_id>\d+)/labels", set_labels),
    )
]


def dispatch(state: DemoState, method: str, path: str, query: dict[str, list[str]], body: Any, me: int, *,
             conflict_resolved: bool = False, overlap: bool = False) -> Answer:
    """(status, JSON-able body or None for an empty body) for one Chatwoot API request by agent `me`."""
    allowed = False
    for route_method, pattern, fn in ROUTES:
        match = pattern.match(path)
        if not match:
            continue
        allowed = True
        if route_method != method:
            continue
        params = match.groupdict()
        account = params.pop("account", None)
        if account is not None and int(account) != state.account_id:
            return 401, {"error": "You are not authorized to access this account"}
        kwargs: dict[str, bool] = {}
        if fn is toggle_status:
            kwargs["conflict_resolved"] = conflict_resolved
        elif fn in (conversations, contacts, messages):
            kwargs["overlap"] = overlap
        try:
            return fn(state, me, query, body, **params, **kwargs)
        except ApiError as exc:
            return exc.status, {"error": str(exc), "description": str(exc)}
    return (405, {"error": "Method not allowed"}) if allowed else (404, {"error": "Not found"})


__all__ = ["ACTIVITY", "ROUTES", "dispatch"]

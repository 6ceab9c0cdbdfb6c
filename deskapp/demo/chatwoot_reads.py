"""The read side of the demo's Chatwoot API: conversation, contact and message lists with the server's own
paging, sorting and filtering rules (ConversationFinder, MessageFinder, ContactsController + Sift)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deskapp.demo.chatwoot_common import (
    Answer,
    ApiError,
    conversation_for,
    page_of,
    param,
    ruby_int,
)
from deskapp.demo.chatwoot_json import (
    agent_json,
    contact_json,
    contact_push_json,
    conversation_json,
    csat_json,
    iso,
    message_json,
    team_json,
    user_json,
    user_push_json,
)
from deskapp.demo.seed import Contact, Conversation
from deskapp.demo.state import DemoState

CONVERSATIONS_PER_PAGE = 25  # ENV CONVERSATION_RESULTS_PER_PAGE
CONTACTS_PER_PAGE = 15  # ContactsController::RESULTS_PER_PAGE
CSAT_PER_PAGE = 25
PRIORITY_RANK = {None: 0, "low": 0, "medium": 1, "high": 2, "urgent": 3}  # `CASE WHEN priority IS NULL THEN 0`


def profile(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    token = next(t for t, a in state.tokens.items() if a == me)
    return 200, user_json(state, state.agent(me), access_token=token)


def agents(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    return 200, [agent_json(state, a) for a in state.world.agents]


def teams(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    return 200, [team_json(state, t, me) for t in state.world.teams]


def labels(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    return 200, {"payload": [{"id": i, "title": title, "description": "", "color": "#1f93ff",
                              "show_on_sidebar": True} for i, title in enumerate(state.account_labels(), start=1)]}


def inboxes(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    """An agent sees the inboxes they are a member of (policy_scope), an administrator all."""
    payload = []
    for box in state.world.inboxes:
        if not state.is_admin(me) and box["id"] not in state.world.inbox_members[me]:
            continue
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


# --- contacts -------------------------------------------------------------------------------------------

def _nulls_last(value: Any, reverse: bool) -> tuple:
    """A key for `ORDER BY x <dir> NULLS LAST` under Python's sort (reverse flips everything but the NULLs)."""
    return (value is not None) if reverse else (value is None), value if value is not None else 0


# Sift's sort_on list; `email` and `phone_number` sort as plain Postgres strings (NULLs last ascending, first
# descending), the scopes say NULLS LAST both ways. Postgres breaks ties arbitrarily: the demo uses the id.
_CONTACT_SORTS: dict[str, Callable[[Contact, bool], Any]] = {
    "name": lambda c, r: (c.name.lower(),),
    "email": lambda c, r: (c.email is None, (c.email or "").lower()),
    "phone_number": lambda c, r: (c.phone is None, c.phone or ""),
    "last_activity_at": lambda c, r: _nulls_last(c.last_activity_at, r),
    "created_at": lambda c, r: _nulls_last(c.created_at, r),
}


def sorted_contacts(state: DemoState, rows: list[Contact], sort: str | None) -> list[Contact]:
    key = _CONTACT_SORTS.get((sort or "").lstrip("-"))
    if key is None:  # an unknown or missing sort is ignored: no ORDER BY (here: by id)
        return sorted(rows, key=lambda c: c.id)
    reverse = (sort or "").startswith("-")
    return sorted(rows, key=lambda c: (*key(c, reverse), c.id if not reverse else -c.id), reverse=reverse)


def _live_contacts(state: DemoState) -> list[Contact]:
    return [c for c in state.world.contacts if state.contact(c.id) is not None]


def contacts(state: DemoState, me: int, q: dict, body: Any, *, overlap: bool = False) -> Answer:
    page = max(1, ruby_int(param(q, "page"), 1))
    with_inboxes = param(q, "include_contact_inboxes") in (None, "", "true")
    with state.lock:
        key = ("contacts", param(q, "sort"), state.version)
        cached = state.contacts_cache
        if cached is not None and cached[0] == key:  # a client walking the pages meets the same order
            rows = cached[1]
        else:
            rows = sorted_contacts(state, _live_contacts(state), param(q, "sort"))
            state.contacts_cache = (key, rows)
        chunk = page_of(rows, page, CONTACTS_PER_PAGE, overlap)
        return 200, {"meta": {"count": len(rows), "current_page": str(page)},
                     "payload": [contact_json(state, c, with_inboxes=with_inboxes) for c in chunk]}


def contacts_search(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    needle = (param(q, "q") or "").strip()
    if not needle:
        raise ApiError(422, {"error": "Specify search string with parameter q"})
    low = needle.lower()
    page = max(1, ruby_int(param(q, "page"), 1))
    with state.lock:
        rows = [c for c in _live_contacts(state)
                if any(low in (v or "").lower() for v in (c.name, c.email, c.phone))
                or needle in (c.identifier or "")  # identifier LIKE: case matters
                or (needle.isdigit() and c.id == int(needle))]
        rows = sorted_contacts(state, rows, param(q, "sort"))
        chunk = rows[(page - 1) * CONTACTS_PER_PAGE: page * CONTACTS_PER_PAGE]
        return 200, {"meta": {"count": len(rows), "current_page": str(page)},
                     "payload": [contact_json(state, c) for c in chunk]}


def contact_for(state: DemoState, contact_id: Any) -> Contact:
    contact = state.contact(ruby_int(contact_id, 0))
    if contact is None:
        raise ApiError.not_found()
    return contact


def contact_show(state: DemoState, me: int, q: dict, body: Any, contact_id: str) -> Answer:
    with state.lock:
        return 200, {"payload": contact_json(state, contact_for(state, contact_id))}


# --- conversations --------------------------------------------------------------------------------------

def _by_waiting(c: Conversation, now: float) -> tuple:
    return c.waiting_since if c.waiting_since is not None else now, c.created_at, c.id


_CONV_SORTS: dict[str, tuple[Callable[[Conversation, float], Any], bool]] = {
    "last_activity_at_desc": (lambda c, n: (c.last_activity_at, c.id), True),
    "last_activity_at_asc": (lambda c, n: (c.last_activity_at, c.id), False),
    "created_at_desc": (lambda c, n: (c.created_at, c.id), True),
    "created_at_asc": (lambda c, n: (c.created_at, c.id), False),
    "priority_desc": (lambda c, n: (PRIORITY_RANK[c.priority], c.last_activity_at, c.id), True),
    "priority_asc": (lambda c, n: (PRIORITY_RANK[c.priority], c.last_activity_at, c.id), False),
    "waiting_since_desc": (_by_waiting, True),
    "waiting_since_asc": (_by_waiting, False),
}
_CONV_SORTS.update({"latest": _CONV_SORTS["last_activity_at_desc"],  # the aliases older clients send
                    "sort_on_created_at": _CONV_SORTS["created_at_asc"],
                    "sort_on_priority": _CONV_SORTS["priority_desc"],
                    "sort_on_waiting_since": _CONV_SORTS["waiting_since_asc"]})


def conversations(state: DemoState, me: int, q: dict, body: Any, *, overlap: bool = False) -> Answer:
    status = param(q, "status")
    status = "open" if status is None else status  # an unknown status is a WHERE that matches nothing
    assignee_type = param(q, "assignee_type") or "all"  # anything else means all
    sort_by = param(q, "sort_by") or ""
    sort_by = sort_by if sort_by in _CONV_SORTS else "last_activity_at_desc"
    inbox_id = ruby_int(param(q, "inbox_id"), 0) if param(q, "inbox_id") is not None else None
    team_id = None
    if param(q, "team_id") is not None:
        team_id = ruby_int(param(q, "team_id"), 0)
        if not 1 <= team_id <= len(state.world.teams):
            raise ApiError.not_found()  # current_account.teams.find
    labels = set(q.get("labels[]", []) + q.get("labels", []))
    within = param(q, "updated_within")
    updated_within = ruby_int(within, 0) if within not in (None, "") else None
    page = max(1, ruby_int(param(q, "page"), 1))
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
            chosen = page_of(chosen, page, CONVERSATIONS_PER_PAGE, overlap)
        return 200, {"data": {"meta": meta, "payload": [conversation_json(state, c) for c in chosen]}}


def _filter_conversations(state: DemoState, me: int, status: str, inbox_id: int | None, team_id: int | None,
                          labels: set[str], updated_within: int | None, assignee_type: str,
                          sort_by: str) -> tuple[dict, list[Conversation]]:
    admin = state.is_admin(me)
    member_of = state.world.inbox_members[me]
    base = [c for c in state.conversations
            if (admin or c.inbox_id in member_of) and (status == "all" or c.status == status)
            and (inbox_id is None or c.inbox_id == inbox_id)
            and (team_id is None or c.team_id == team_id) and (not labels or labels & set(c.labels))]
    mine = sum(1 for c in base if c.assignee_id == me)
    unassigned = sum(1 for c in base if c.assignee_id is None)
    meta = {"mine_count": mine, "assigned_count": len(base) - unassigned, "unassigned_count": unassigned,
            "all_count": len(base)}
    chosen = [c for c in base if assignee_type not in ("me", "unassigned", "assigned")
              or (assignee_type == "me" and c.assignee_id == me)
              or (assignee_type == "unassigned" and c.assignee_id is None)
              or (assignee_type == "assigned" and c.assignee_id is not None)]
    if updated_within is not None:  # every conversation changed in the window, in one unpaged answer
        since = state.now() - updated_within
        chosen = [c for c in chosen if c.updated_at > since]
    key, reverse = _CONV_SORTS[sort_by]
    now = state.now()
    chosen.sort(key=lambda c: key(c, now), reverse=reverse)
    return meta, chosen


def conversation_show(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    with state.lock:
        return 200, conversation_json(state, conversation_for(state, me, conv_id))


def messages(state: DemoState, me: int, q: dict, body: Any, conv_id: str, *, overlap: bool = False) -> Answer:
    """MessageFinder: latest 20; before= the 20 older; after= up to 100 newer; both: after <= id < before."""
    raw_after, raw_before = param(q, "after"), param(q, "before")
    after = ruby_int(raw_after, 0) if raw_after not in (None, "") else None
    before = ruby_int(raw_before, 0) if raw_before not in (None, "") else None
    if overlap and after is not None:  # the cursor's own message comes back: a cursor going backwards
        after -= 1
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        msgs = state.messages(conv)  # already in (created_at, id) order, the finder's order
        if after is not None and before is not None:
            chosen = [m for m in msgs if after <= m["id"] < before][:1000]
        elif before is not None:
            chosen = [m for m in msgs if m["id"] < before][-20:]
        elif after is not None:
            chosen = [m for m in msgs if m["id"] > after][:100]
        else:
            chosen = msgs[-20:]
        contact = state.world.contacts[conv.contact_id - 1]
        meta: dict[str, Any] = {"labels": list(conv.labels), "additional_attributes": {},
                                "contact": contact_push_json(state, contact)}
        if conv.assignee_id:
            meta["assignee"] = user_push_json(state.agent(conv.assignee_id))
        seen = iso(conv.updated_at) if conv.status != "open" else None
        meta["agent_last_seen_at"] = meta["assignee_last_seen_at"] = seen
        return 200, {"meta": meta, "payload": [message_json(state, conv, m) for m in chosen]}


def labels_show(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    with state.lock:
        return 200, {"payload": list(conversation_for(state, me, conv_id).labels)}


def canned_responses(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    from deskapp.demo.texts import CANNED_RESPONSES

    stamp = "2025-01-06T09:00:00.000Z"
    return 200, [{"id": i, "account_id": state.account_id, "short_code": code, "content": text,
                  "created_at": stamp, "updated_at": stamp} for i, (code, text) in enumerate(CANNED_RESPONSES, 1)]


def csat_responses(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    page = max(1, ruby_int(param(q, "page"), 1))
    since = ruby_int(param(q, "since"), 0) if param(q, "since") else None
    until = ruby_int(param(q, "until"), 0) if param(q, "until") else None
    with state.lock:
        rows = [r for r in state.csat if (since is None or r["created_at"] >= since)
                and (until is None or r["created_at"] <= until)]
        chunk = rows[(page - 1) * CSAT_PER_PAGE: page * CSAT_PER_PAGE]
        return 200, [csat_json(state, r) for r in chunk]

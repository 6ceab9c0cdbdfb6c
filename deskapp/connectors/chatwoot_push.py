"""Outbox item -> Chatwoot API call(s), for ChatwootConnector.push; exactly-once for messages.

Messages carry ``content_attributes.deskapp_client_id``. Each attempt first looks at the conversation's
recent messages for that marker and only POSTs when it is not there, so a push retried after a lost
acknowledgement (timeout, reset, 5xx after the write) never sends twice. Status, assignment, labels
and priority are set-to-value calls, safe to repeat; a contact merge checks first that the mergee still exists.

Outcomes: ``PushResult(ok=True, external_id=...)``; a rejection becomes ``PushResult(ok=False,
conflict=reason)`` (404 "deleted", 413 "too large", 422 the service's reason, a status someone else
changed); AuthError (401/403) and TransientError (network, 5xx, 429 after retries) are raised.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import requests

from deskapp.connectors.base import PayloadError
from deskapp.connectors.chatwoot_mapping import CLIENT_ID_KEY
from deskapp.connectors.http import HttpClient, decode_json
from deskapp.connectors.wire import dig, id_text, log, parse_time, text
from deskapp.domain import OutboxItem, OutboxKind, PushResult

LANDED_LOOKBACK = timedelta(minutes=10)  # how far before the item's creation the marker check looks
LANDED_MAX_PAGES = 10
STATUS_VALUES = ("open", "resolved", "pending", "snoozed")
PRIORITY_VALUES = ("none", "low", "medium", "high", "urgent")


class Rejected(Exception):
    """The service refused the item; ``reason`` is shown to the agent as the conflict."""

    def __init__(self, reason: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or {}


def _wire_id(value: str | None) -> int | str | None:
    """Chatwoot ids are integers on the wire; keep anything else as given."""
    return int(value) if value is not None and value.isdigit() else value


def _error_reason(response: requests.Response) -> str:
    try:
        body = decode_json(response)
    except PayloadError:
        return ""
    for key in ("message", "error", "errors"):
        value = body.get(key) if isinstance(body, dict) else None
        if value:
            return "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return ""


def _check(response: requests.Response) -> requests.Response:
    """Turn 4xx answers into Rejected with the agent-facing reason."""
    status = response.status_code
    if 200 <= status < 300:
        return response
    reason = _error_reason(response)
    detail = {"status": status, "message": reason}  # the service's own words, for the conflict view
    if status in (404, 410):
        raise Rejected("deleted", detail)
    if status == 413:
        raise Rejected("too large", detail)
    if status == 422:
        raise Rejected(f"rejected: {reason}" if reason else "rejected", detail)
    raise Rejected(f"HTTP {status}{': ' + reason if reason else ''}", detail)


def _unix(value: Any) -> int | None:
    when = value if isinstance(value, datetime) else parse_time(value)
    return int(when.timestamp()) if when else None


def push(http: HttpClient, prefix: str, item: OutboxItem) -> PushResult:
    conversation = item.conversation_external_id
    if not conversation and item.kind is not OutboxKind.MERGE:  # a merge is about contacts
        return PushResult(ok=False, conflict="no conversation to push to")
    base = f"{prefix}/conversations/{conversation}"
    payload = item.payload or {}
    try:
        if item.kind is OutboxKind.MERGE:
            return _push_merge(http, prefix, payload)
        if item.kind in (OutboxKind.REPLY, OutboxKind.NOTE):
            return _push_message(http, base, item, private=item.kind is OutboxKind.NOTE)
        if item.kind is OutboxKind.STATUS:
            return _push_status(http, base, conversation, text(payload.get("status")),
                                payload.get("snoozed_until"))
        if item.kind is OutboxKind.SNOOZE:
            return _push_status(http, base, conversation, "snoozed", payload.get("until"))
        if item.kind is OutboxKind.ASSIGN:
            if payload.get("team_external_id") is not None:
                _check(http.request("POST", f"{base}/assignments",
                                    json={"team_id": _wire_id(str(payload["team_external_id"]))}))
            if "assignee_external_id" in payload or payload.get("team_external_id") is None:
                assignee = id_text(payload.get("assignee_external_id"))
                _check(http.request("POST", f"{base}/assignments", json={"assignee_id": _wire_id(assignee)}))
            return PushResult(ok=True, external_id=conversation)
        if item.kind is OutboxKind.LABEL:
            labels = [str(x) for x in payload.get("labels") or []]
            _check(http.request("POST", f"{base}/labels", json={"labels": labels}))
            return PushResult(ok=True, external_id=conversation)
        if item.kind is OutboxKind.PRIORITY:
            priority = text(payload.get("priority")).lower() or "none"
            if priority not in PRIORITY_VALUES:
                return PushResult(ok=False, conflict=f"unknown priority {priority!r}")
            _check(http.request("POST", f"{base}/toggle_priority", json={"priority": priority}))
            return PushResult(ok=True, external_id=conversation)
    except Rejected as exc:
        log.info("chatwoot rejected %s %s: %s", item.kind.value, item.client_id, exc.reason)
        return PushResult(ok=False, conflict=exc.reason, detail=exc.detail)
    return PushResult(ok=False, conflict=f"{item.kind.value} is not supported by Chatwoot")


def _push_merge(http: HttpClient, prefix: str, payload: dict[str, Any]) -> PushResult:
    """Chatwoot's contact merge. It deletes the mergee, so a mergee that is already gone means an earlier
    attempt landed (its answer was lost): checked first, the merge is never sent twice."""
    base = id_text(payload.get("base_contact_id")) or ""
    mergee = id_text(payload.get("mergee_contact_id")) or ""
    if not base.isdigit() or not mergee.isdigit():
        return PushResult(ok=False, conflict="the merge names no Chatwoot contacts")
    body = {"base_contact_id": int(base), "mergee_contact_id": int(mergee)}

    def attempt() -> PushResult:
        if http.attempt("GET", f"{prefix}/contacts/{mergee}").status_code == 404:
            log.info("contact %s is already merged away: not merging again", mergee)
            return PushResult(ok=True, external_id=base, detail={"already_landed": True})
        _check(http.attempt("POST", f"{prefix}/actions/contact_merge", json=body))
        return PushResult(ok=True, external_id=base)

    return http.call(attempt, what=f"POST {prefix}/actions/contact_merge")


def _push_status(http: HttpClient, base: str, conversation: str, status: str, until: Any) -> PushResult:
    status = status.lower()
    if status not in STATUS_VALUES:
        return PushResult(ok=False, conflict=f"unknown status {status!r}")
    body: dict[str, Any] = {"status": status}
    if status == "snoozed" and _unix(until) is not None:
        body["snoozed_until"] = _unix(until)
    response = _check(http.request("POST", f"{base}/toggle_status", json=body))
    try:
        current = text(dig(decode_json(response), "payload", "current_status")).lower()
    except PayloadError:
        current = ""  # the change was accepted; an unreadable echo does not undo it
    if current and current != status:
        return PushResult(ok=False, external_id=conversation, conflict=f"status is {current}",
                          detail={"current_status": current})
    return PushResult(ok=True, external_id=conversation)


def find_landed(http: HttpClient, base: str, client_id: str, since: datetime) -> str | None:
    """The id of a message in this conversation carrying our marker, looking back to ``since``.

    Single attempts: this runs inside the caller's retry loop, which retries the check with the send.
    """
    params: dict[str, Any] = {}
    for _ in range(LANDED_MAX_PAGES):
        response = _check(http.attempt("GET", f"{base}/messages", params=params))
        page = dig(decode_json(response, "messages"), "payload")
        page = [m for m in page if isinstance(m, dict)] if isinstance(page, list) else []
        for message in page:
            if text(dig(message, "content_attributes", CLIENT_ID_KEY)) == client_id:
                return id_text(message.get("id")) or ""
        ids = [int(m["id"]) for m in page if text(m.get("id")).isdigit()]
        times = [t for t in (parse_time(m.get("created_at")) for m in page) if t]
        if len(page) < 20 or not ids or (times and min(times) < since):
            return None
        params = {"before": min(ids)}
    return None


def _push_message(http: HttpClient, base: str, item: OutboxItem, *, private: bool) -> PushResult:
    content = text(item.payload.get("text"))
    if not content.strip():
        return PushResult(ok=False, conflict="empty message")
    body = {"content": content, "message_type": "outgoing", "private": private, "content_type": "text",
            "content_attributes": {CLIENT_ID_KEY: item.client_id}}
    since = item.created_at - LANDED_LOOKBACK

    def attempt() -> PushResult:
        landed = find_landed(http, base, item.client_id, since)
        if landed is not None:
            log.info("message %s already landed as %s: not sending it again", item.client_id, landed)
            return PushResult(ok=True, external_id=landed or None, detail={"already_landed": True})
        response = _check(http.attempt("POST", f"{base}/messages", json=body))
        try:
            return PushResult(ok=True, external_id=id_text(dig(decode_json(response), "id")))
        except PayloadError:
            # it landed; the next pull links it by its marker
            return PushResult(ok=True, detail={"unreadable_ack": True})

    return http.call(attempt, what=f"POST {base}/messages")

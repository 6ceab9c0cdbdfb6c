"""Outbox item -> Chatwoot API call(s), for ChatwootConnector.push.

Replies and notes go through chatwoot_replies (exactly once: a send whose answer never came waits for the
next pass and its look-up). Status and snooze (``toggle_status`` with the status named), assignment (agent or
team), labels (the whole list) and priority are set-to-value calls: a repeat, even one the hub applies late,
sets the same value and the hub records no second change, so they are retried in the same pass. A contact
merge checks first that the mergee still exists: merging the pair again creates nothing.

What the server does with them (Chatwoot v3-v4 controllers): ``toggle_priority`` assigns the value to the
priority enum, so "none" raises (HTTP 500) and null clears it; ``labels`` stores the list it is given and
answers ``{"payload": [labels kept]}``, and some versions keep only labels the account defines (dropped
silently, or refused with 422 "Labels do not exist"): what was kept is read back and a dropped label is
shown to the agent.

Outcomes: ``PushResult(ok=True, external_id=...)``; a rejection becomes ``PushResult(ok=False,
conflict=reason)`` (404 "deleted", or for a contact merge the kept contact gone, 413 "too large", 422 the
service's reason, a status someone else changed, labels the hub dropped); an HTTP 500 that outlasts the
retries is ``retryable`` (the outbox gives up after a few tries and shows the item as failed: the server
cannot apply it); AuthError (401/403) and TransientError (network, 502-504, 429 after retries; OutcomeUnknown
at once for a reply or note whose answer was lost) are raised.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from deskapp.connectors.base import PayloadError, TransientError
from deskapp.connectors.chatwoot_answers import Rejected, check, service_words
from deskapp.connectors.chatwoot_replies import Ledger, push_message
from deskapp.connectors.http import HttpClient, RetryableError, decode_json
from deskapp.connectors.wire import dig, id_text, log, parse_time, text
from deskapp.domain import OutboxItem, OutboxKind, PushResult

STATUS_VALUES = ("open", "resolved", "pending", "snoozed")
PRIORITY_VALUES = ("low", "medium", "high", "urgent")
CLEARED_PRIORITY = ("", "none")  # sent as null: the enum knows no "none"
GONE_BASE = "the contact to keep is gone from the hub"

def _wire_id(value: str | None) -> int | str | None:
    """Chatwoot ids are integers on the wire; keep anything else as given."""
    return int(value) if value is not None and value.isdigit() else value


def _unix(value: Any) -> int | None:
    when = value if isinstance(value, datetime) else parse_time(value)
    return int(when.timestamp()) if when else None


def push(http: HttpClient, prefix: str, item: OutboxItem, *, ledger: Ledger | None = None) -> PushResult:
    conversation = item.conversation_external_id
    if not conversation and item.kind is not OutboxKind.MERGE:  # a merge is about contacts
        return PushResult(ok=False, conflict="no conversation to push to")
    base = f"{prefix}/conversations/{conversation}"
    payload = item.payload or {}
    try:
        if item.kind is OutboxKind.MERGE:
            return _push_merge(http, prefix, payload)
        assert conversation is not None  # every other kind has one (checked above)
        if item.kind in (OutboxKind.REPLY, OutboxKind.NOTE):
            return push_message(http, base, item, private=item.kind is OutboxKind.NOTE, ledger=ledger or Ledger())
        if item.kind is OutboxKind.STATUS:
            return _push_status(http, base, conversation, text(payload.get("status")),
                                payload.get("snoozed_until"))
        if item.kind is OutboxKind.SNOOZE:
            return _push_status(http, base, conversation, "snoozed", payload.get("until"))
        if item.kind is OutboxKind.ASSIGN:
            if payload.get("team_external_id") is not None:
                check(http.request("POST", f"{base}/assignments",
                                   json={"team_id": _wire_id(str(payload["team_external_id"]))}))
            if "assignee_external_id" in payload or payload.get("team_external_id") is None:
                assignee = id_text(payload.get("assignee_external_id"))
                check(http.request("POST", f"{base}/assignments", json={"assignee_id": _wire_id(assignee)}))
            return PushResult(ok=True, external_id=conversation)
        if item.kind is OutboxKind.LABEL:
            return _push_labels(http, base, conversation, [str(x) for x in payload.get("labels") or []])
        if item.kind is OutboxKind.PRIORITY:
            priority = text(payload.get("priority")).strip().lower()
            if priority not in PRIORITY_VALUES and priority not in CLEARED_PRIORITY:
                return PushResult(ok=False, conflict=f"unknown priority {priority!r}")
            check(http.request("POST", f"{base}/toggle_priority",
                               json={"priority": None if priority in CLEARED_PRIORITY else priority}))
            return PushResult(ok=True, external_id=conversation)
    except Rejected as exc:
        log.info("chatwoot rejected %s %s: %s", item.kind.value, item.client_id, exc.reason)
        return PushResult(ok=False, conflict=exc.reason, detail=exc.detail)
    except TransientError as exc:
        cause = exc.__cause__
        if isinstance(cause, RetryableError) and cause.status_code == 500:
            # the application itself failed on this change (not a proxy or an outage): retried a few
            # times by the outbox, then shown to the agent as failed instead of blocking the queue for ever
            words = service_words(cause.response.content if cause.response is not None else b"")
            log.warning("chatwoot answered HTTP 500 to %s %s", item.kind.value, item.client_id)
            message = "the hub failed to apply this change (HTTP 500" + (f": {words})" if words else ")")
            return PushResult(ok=False, retryable=True, detail={"status": 500, "message": message})
        raise
    return PushResult(ok=False, conflict=f"{item.kind.value} is not supported by Chatwoot")


def _push_labels(http: HttpClient, base: str, conversation: str, labels: list[str]) -> PushResult:
    response = check(http.request("POST", f"{base}/labels", json={"labels": labels}))
    try:
        kept = dig(decode_json(response), "payload")
    except PayloadError:
        kept = None
    if not isinstance(kept, list):  # an older answer without the list: read it back
        kept = dig(decode_json(check(http.request("GET", f"{base}/labels")), "labels"), "payload")
    kept_keys = {str(x).strip().lower() for x in kept} if isinstance(kept, list) else None
    if kept_keys is None:
        log.warning("labels of %s: the hub did not say which it kept", conversation)
        return PushResult(ok=True, external_id=conversation)
    dropped = [label for label in labels if label.strip().lower() not in kept_keys]
    if dropped:
        names = ", ".join(dropped)
        return PushResult(ok=False, external_id=conversation, conflict=f"labels dropped by the hub: {names}", detail={
            "dropped": dropped, "kept": sorted(kept_keys),
            "message": f"The hub did not keep the label(s) {names}: they do not exist on this Chatwoot account."
                       " Create them there, or remove them here."})
    return PushResult(ok=True, external_id=conversation)


def _push_merge(http: HttpClient, prefix: str, payload: dict[str, Any]) -> PushResult:
    """Chatwoot's contact merge. It deletes the mergee, so a mergee that is already gone means an earlier
    attempt landed (its answer was lost): checked first, the merge is never sent twice.

    ContactMergesController finds both contacts with ``contacts.find``: a 404 means one of them is gone. The
    mergee was there a moment before, so it is the kept contact (another agent merged it into a third one or
    deleted it): a conflict for the agent, whose merge stands in the cache while the hub keeps two contacts."""
    base = id_text(payload.get("base_contact_id")) or ""
    mergee = id_text(payload.get("mergee_contact_id")) or ""
    if not base.isdigit() or not mergee.isdigit():
        return PushResult(ok=False, conflict="the merge names no Chatwoot contacts")
    body = {"base_contact_id": int(base), "mergee_contact_id": int(mergee)}

    def attempt() -> PushResult:
        if http.attempt("GET", f"{prefix}/contacts/{mergee}").status_code == 404:
            log.info("contact %s is already merged away: not merging again", mergee)
            return PushResult(ok=True, external_id=base, detail={"already_landed": True})
        response = http.attempt("POST", f"{prefix}/actions/contact_merge", json=body)
        if response.status_code == 404 and http.attempt("GET", f"{prefix}/contacts/{base}").status_code == 404:
            log.info("contact %s to keep is gone from the hub: merge of %s not applied", base, mergee)
            return PushResult(ok=False, conflict=GONE_BASE, detail={"status": 404, "message": (
                f"Contact {base}, the one to keep, no longer exists on the hub (another agent merged it into"
                f" another contact or deleted it), so the hub still keeps contact {mergee} apart. The two"
                " customers stay merged here: merge them on the hub if they should be one there too.")})
        if response.status_code == 404:  # the mergee went in between: merged away (or deleted) after all
            return PushResult(ok=True, external_id=base, detail={"already_landed": True})
        check(response)
        return PushResult(ok=True, external_id=base)

    return http.call(attempt, what=f"POST {prefix}/actions/contact_merge")


def _push_status(http: HttpClient, base: str, conversation: str, status: str, until: Any) -> PushResult:
    status = status.lower()
    if status not in STATUS_VALUES:
        return PushResult(ok=False, conflict=f"unknown status {status!r}")
    body: dict[str, Any] = {"status": status}
    if status == "snoozed" and _unix(until) is not None:
        body["snoozed_until"] = _unix(until)
    response = check(http.request("POST", f"{base}/toggle_status", json=body))
    try:
        current = text(dig(decode_json(response), "payload", "current_status")).lower()
    except PayloadError:
        current = ""  # the change was accepted; an unreadable echo does not undo it
    if current and current != status:
        return PushResult(ok=False, external_id=conversation, conflict=f"status is {current}",
                          detail={"current_status": current})
    return PushResult(ok=True, external_id=conversation)

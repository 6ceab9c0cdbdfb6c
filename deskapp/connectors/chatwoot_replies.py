"""Replies and notes sent to Chatwoot exactly once, for chatwoot_push.

A message is sent with ``content_attributes.deskapp_client_id``. Any attempt that may follow a send whose
answer was lost (a retry, or an outbox item already tried: timeout, reset mid-body, 5xx after the write,
kill -9 between "server applied" and "local ack") first looks through the conversation's recent messages
for it, by two signals, because what the server keeps depends on its version (Messages::MessageBuilder):

- v4.x keeps the whole ``content_attributes``: the marker finds the message;
- older builders (before v4) keep only ``items``, ``in_reply_to`` (and ``automation_rule_id``): the marker is
  dropped, so the message is found as an outgoing message with the same content and private flag, sent by
  us (``sender: {type: "user", id: <profile id>}``), created since the item was queued (with a margin
  for clock skew), carrying no marker, and not already matched to another item. Once the server is known
  to keep markers (a create answer echoed ours, or a message carries one), markerless messages are
  someone else's and only the marker counts;

A send whose answer never came (a read timeout, the connection dropped after sending, a 504 from a proxy)
is not looked up nor sent again in the same pass: the hub may still be saving it, so a look-up right away can
miss it and a resend would post it twice. The push raises OutcomeUnknown; the outbox keeps the item, and the
next pass, after twice the read timeout, looks it up first (the item has been tried). An answered failure (a
500, 502 or 503, a 429) means the hub is done with the request: the same pass looks it up and resends if it
is not there. The marker travels in ``content_attributes`` because neither id Chatwoot offers will do:
``echo_id`` is only echoed back (over the websocket and in the create answer), never stored, and a channel
overwrites ``source_id`` with its provider's id once it delivers the message.

The one case left open on a server that drops markers: the same agent sends the very same text twice in
the same conversation within minutes, the first send's answer is lost, and the second item is checked
in another process before the first was matched: the second is then taken as already sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from deskapp.connectors.base import PayloadError
from deskapp.connectors.chatwoot_answers import check
from deskapp.connectors.chatwoot_messages import CLIENT_ID_KEY, MESSAGE_TYPES
from deskapp.connectors.http import HttpClient, RetryableError, decode_json, unknown_outcome
from deskapp.connectors.wire import as_dict, dig, id_text, log, parse_time, text
from deskapp.domain import OutboxItem, PushResult

LANDED_LOOKBACK = timedelta(minutes=10)  # how far before the item's creation the check looks (clock skew)
LANDED_MAX_PAGES = 10
PAGE = 20  # MessageFinder: the latest 20, then 20 before each ``before=<id>``


@dataclass
class Ledger:
    """What one connector learned about its sends: the signed-in user, the messages already matched to an
    item (message id -> client id), and whether the server keeps our marker (None: not known yet)."""

    my_id: str | None = None
    matched: dict[str, str] = field(default_factory=dict)
    keeps_marker: bool | None = None


@dataclass(frozen=True)
class Wanted:
    client_id: str
    content: str
    private: bool
    since: datetime


def _mine(message: dict[str, Any], wanted: Wanted, ledger: Ledger) -> bool:
    """Whether a markerless message is the one ``wanted`` describes (the second signal)."""
    sender = as_dict(message.get("sender"))
    sender_type = text(sender.get("type") or message.get("sender_type")).lower()
    sender_id = id_text(sender.get("id")) or id_text(message.get("sender_id"))
    created = parse_time(message.get("created_at"))
    return (MESSAGE_TYPES.get(message.get("message_type")) == "outgoing"
            and bool(message.get("private")) == wanted.private
            and sender_type == "user" and ledger.my_id is not None and sender_id == ledger.my_id
            and text(message.get("content")).strip() == wanted.content.strip()
            and created is not None and created >= wanted.since
            and ledger.matched.get(id_text(message.get("id")) or "", wanted.client_id) == wanted.client_id)


def find_landed(http: HttpClient, base: str, wanted: Wanted, ledger: Ledger) -> tuple[str, str] | None:
    """(message id, "marker" | "content") of the message ``wanted`` already became, looking back to
    ``wanted.since``; None when it is not there. Single attempts: this runs inside the caller's retry loop."""
    params: dict[str, Any] = {}
    candidate: str | None = None
    for _ in range(LANDED_MAX_PAGES):
        page = dig(decode_json(check(http.attempt("GET", f"{base}/messages", params=params)), "messages"),
                   "payload")
        page = [m for m in page if isinstance(m, dict)] if isinstance(page, list) else []
        for message in reversed(page):  # newest first
            marker = text(dig(message, "content_attributes", CLIENT_ID_KEY))
            if marker:
                ledger.keeps_marker = True
            if marker == wanted.client_id:
                return id_text(message.get("id")) or "", "marker"
            if not marker and _mine(message, wanted, ledger):
                candidate = id_text(message.get("id"))  # keep looking: the oldest unmatched one is ours
        ids = [int(m["id"]) for m in page if text(m.get("id")).isdigit()]
        times = [t for t in (parse_time(m.get("created_at")) for m in page) if t]
        if len(page) < PAGE or not ids or (times and min(times) < wanted.since):
            break
        params = {"before": min(ids)}
    if candidate is not None and ledger.keeps_marker is not True:
        return candidate, "content"
    return None


def push_message(http: HttpClient, base: str, item: OutboxItem, *, private: bool, ledger: Ledger) -> PushResult:
    content = text(item.payload.get("text"))
    if not content.strip():
        return PushResult(ok=False, conflict="empty message")
    body = {"content": content, "message_type": "outgoing", "private": private, "content_type": "text",
            "content_attributes": {CLIENT_ID_KEY: item.client_id}}
    wanted = Wanted(item.client_id, content, private, item.created_at - LANDED_LOOKBACK)
    if ledger.my_id is None:
        log.warning("the signed-in user is unknown: message %s is checked by its marker alone", item.client_id)
    tries = 0

    def attempt() -> PushResult:
        nonlocal tries
        message_id: str | None
        tries += 1
        if item.attempts > 0 or tries > 1:  # an earlier send may have landed without us hearing of it
            landed = find_landed(http, base, wanted, ledger)
            if landed is not None:
                message_id, how = landed
                ledger.matched[message_id] = item.client_id
                log.info("message %s already landed as %s (found by %s): not sending it again", item.client_id,
                         message_id, how)
                return PushResult(ok=True, external_id=message_id or None,
                                  detail={"already_landed": True, "matched_by": how})
        try:
            response = check(http.attempt("POST", f"{base}/messages", json=body))
        except RetryableError as exc:
            unknown = unknown_outcome(exc, http.timeout, f"message {item.client_id}")
            if unknown is None:
                raise  # answered (the hub is done with it) or never sent: looked up, then retried, in this pass
            raise unknown from exc
        try:
            answer = decode_json(response)
        except PayloadError:
            # it landed; the next pull links it by its marker (or the thread shows it by its content)
            return PushResult(ok=True, detail={"unreadable_ack": True})
        message_id = id_text(dig(answer, "id"))
        ledger.keeps_marker = text(dig(answer, "content_attributes", CLIENT_ID_KEY)) == item.client_id
        if message_id:
            ledger.matched[message_id] = item.client_id
        return PushResult(ok=True, external_id=message_id)

    return http.call(attempt, what=f"POST {base}/messages")

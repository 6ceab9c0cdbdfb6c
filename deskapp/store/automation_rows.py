"""The hub's automation rules, macros and pickers as last fetched (sync-state rows), and the cache's conversations
as a rule sees them, for the rules service's preview.

Rules, macros and the hub's inbox/team/agent/label lists are kept as the JSON the hub sent, one sync_cursor row
per account and kind ("hub/automation_rules" ...): the cache is disposable and they are refetched whenever the
Rules screen opens or a write lands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from deskapp.store.accounts import get_cursor, set_cursor

KINDS = ("automation_rules", "macros", "pickers")
_STREAM = "hub/{}"


def save_hub_list(conn: Connection, account_id: int, kind: str, records: Any) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown hub list {kind!r}")
    set_cursor(conn, account_id, _STREAM.format(kind), json.dumps(records, separators=(",", ":")))


def load_hub_list(conn: Connection, account_id: int, kind: str) -> Any:
    """The records last saved, None when never fetched (or unreadable: the next fetch replaces it)."""
    raw = get_cursor(conn, account_id, _STREAM.format(kind))
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RuleSubject:
    """One conversation (and, for message events, one incoming message) as the preview evaluates it."""

    conversation_id: int  # local id, to open it
    external_id: str
    channel: str
    inbox_name: str
    subject: str
    customer: str
    status: str
    priority: str
    assignee: str | None  # the hub's agent id
    team: str | None  # the hub's team id
    labels: str  # JSON list
    created_at: int
    text: str | None  # the first incoming message, or the message of a message event


_BASE = (
    "SELECT c.id, c.external_id, c.channel, c.inbox_name, c.subject, COALESCE(cu.name, ''), c.status,"
    " c.priority, a.external_id, t.external_id, c.labels, c.created_at, {text}"
    " FROM conversation c"
    " LEFT JOIN customer cu ON cu.id = c.customer_id"
    " LEFT JOIN agent a ON a.id = c.assignee_id"
    " LEFT JOIN team t ON t.id = c.team_id"
)


def conversations_since(conn: Connection, account_id: int, since: int, *, with_text: bool = True,
                        changed: bool = False) -> list[RuleSubject]:
    """Conversations of the account created (``changed``: updated) since `since`, each with its first incoming
    message (None without ``with_text``: a rule that reads no message skips the look-up)."""
    first_in = ("(SELECT m.text FROM message m WHERE m.conversation_id = c.id AND m.direction = 'in'"
                " AND m.deleted = 0 ORDER BY m.sent_at, m.id LIMIT 1)") if with_text else "NULL"
    column = "c.updated_at" if changed else "c.created_at"
    # `+c.account_id`: walk the created_at index over the window, not the whole account's (account, id) index
    sql = _BASE.format(text=first_in) + f" WHERE +c.account_id = :a AND {column} >= :since ORDER BY {column}"
    return [RuleSubject(*row) for row in conn.execute(text(sql), {"a": account_id, "since": since})]


def incoming_messages_since(conn: Connection, account_id: int, since: int) -> list[RuleSubject]:
    """Every incoming message of the account sent since `since`, with its conversation."""
    # through the conversations active since then: messages have no index on their time alone
    sql = (_BASE.format(text="m.text") + " JOIN message m ON m.conversation_id = c.id AND m.sent_at >= :since"
           " WHERE c.account_id = :a AND c.last_message_at >= :since AND m.direction = 'in' AND m.deleted = 0"
           " ORDER BY m.sent_at")
    return [RuleSubject(*row) for row in conn.execute(text(sql), {"a": account_id, "since": since})]


@dataclass(frozen=True, slots=True)
class MacroTarget:
    """What a macro's actions start from on one conversation (local ids)."""

    conversation_id: int
    account_id: int
    assignee_id: int | None
    labels: str  # JSON list


def macro_targets(conn: Connection, conversation_ids: list[int]) -> list[MacroTarget]:
    """The conversations that exist among these ids, in the order given."""
    found = {}
    for cid in dict.fromkeys(int(c) for c in conversation_ids):
        row = conn.execute(text("SELECT id, account_id, assignee_id, labels FROM conversation WHERE id = :id"),
                           {"id": cid}).first()
        if row is not None:
            found[cid] = MacroTarget(*row)
    return list(found.values())


def local_id(conn: Connection, account_id: int, table: str, external_id: str) -> int | None:
    """The cache's id of the hub's agent or team `external_id`."""
    if table not in ("agent", "team"):
        raise ValueError(f"no hub id lookup for {table!r}")
    found = conn.execute(text(f"SELECT id FROM {table} WHERE account_id = :a AND external_id = :e"),
                         {"a": account_id, "e": str(external_id)}).scalar()
    return None if found is None else int(found)

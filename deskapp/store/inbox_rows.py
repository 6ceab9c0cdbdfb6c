"""The conversation list's reads for services.inbox: view filters as SQL, view counts, id lists, list rows.

The list holds only ids (``view_ids``); rows are read in small pages by id (``rows``) as the
viewport needs them, so memory follows the screen, not the cache.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import bindparam, text

from deskapp.domain.sla import DEFAULT_TARGET_S, target_for
from deskapp.store import sla_clock
from deskapp.store.engine import Database

# Sort keys the list offers, mapped to SQL (never user text in SQL: only these strings).
SORT_COLUMNS = {
    "last_message_at": "c.last_message_at",  # plain column: ix_conversation_status_last serves the sort
    "created_at": "c.created_at",
    "customer": "cu.name COLLATE NOCASE",
    "channel": "c.channel",
    "subject": "c.subject COLLATE NOCASE",
    "status": "c.status",
    "sla_due_at": "coalesce(c.sla_due_at, 9999999999)",
    "assignee": "ag.name COLLATE NOCASE",
    "priority": "CASE c.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2"
                " WHEN 'low' THEN 1 ELSE 0 END",
}


@dataclass(frozen=True)
class ViewFilter:
    """A view of the inbox: every set field narrows it. Saved views are these, named."""

    statuses: tuple[str, ...] = ()
    channel: str | None = None
    assignee: str | None = None  # "me" | "none" | agent id as text
    team_id: int | None = None
    label: str | None = None
    intent: str | None = None
    urgent: bool = False
    since: int | None = None  # created_at >= since (Unix seconds)
    until: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()
                if v not in (None, (), False)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ViewFilter:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "statuses" in known:
            known["statuses"] = tuple(known["statuses"])
        return cls(**known)


@dataclass
class ConversationRow:
    """What one line of the conversation list shows."""

    id: int
    customer: str
    channel: str
    subject: str
    snippet: str
    labels: list[str]
    status: str
    priority: str
    assignee: str
    unread: int
    last_message_at: int | None
    created_at: int
    sla_due_at: int | None  # first-response deadline while no human replied (store.sla_clock)
    first_response_at: int | None
    intent: str | None
    urgency: str | None = None
    account_id: int = 0
    external_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    sla_target_s: int = DEFAULT_TARGET_S  # the channel's first-response target: when the countdown turns amber


def _where(f: ViewFilter) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if f.statuses:
        names = []
        for i, s in enumerate(f.statuses):
            params[f"st{i}"] = s
            names.append(f":st{i}")
        clauses.append(f"c.status IN ({', '.join(names)})")
    if f.channel:
        clauses.append("c.channel = :channel")
        params["channel"] = f.channel
    if f.assignee == "me":
        clauses.append("c.assignee_id IN (SELECT id FROM agent WHERE is_me = 1)")
    elif f.assignee == "none":
        clauses.append("c.assignee_id IS NULL")
    elif f.assignee:
        clauses.append("c.assignee_id = :assignee")
        params["assignee"] = int(f.assignee)
    if f.team_id is not None:
        clauses.append("c.team_id = :team")
        params["team"] = f.team_id
    if f.label:
        clauses.append("c.id IN (SELECT conversation_id FROM conversation_label WHERE label = :label)")
        params["label"] = f.label
    if f.intent:
        clauses.append("c.intent = :intent")
        params["intent"] = f.intent
    if f.urgent:
        clauses.append("(c.priority = 'urgent' OR c.urgency = 'urgent')")
    if f.since is not None:
        clauses.append("c.created_at >= :since")
        params["since"] = f.since
    if f.until is not None:
        clauses.append("c.created_at < :until")
        params["until"] = f.until
    return (" AND ".join(clauses) or "1"), params


def _sums(filters: dict[int, ViewFilter], scope: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """One query giving a SUM per filter over the rows of the ``scope`` statuses (all rows when empty)."""
    parts, params = [], {}
    for i, f in filters.items():
        where, p = _where(f)
        for k, v in p.items():
            where = where.replace(f":{k}", f":v{i}_{k}")
            params[f"v{i}_{k}"] = v
        parts.append(f"coalesce(sum(CASE WHEN {where} THEN 1 ELSE 0 END), 0)")
    names = []
    for j, status in enumerate(scope):
        params[f"scope{j}"] = status
        names.append(f":scope{j}")
    where = f" WHERE c.status IN ({', '.join(names)})" if scope else ""
    return f"SELECT {', '.join(parts)} FROM conversation c{where}", params


def view_counts(db: Database, filters: list[ViewFilter]) -> list[int]:
    """Every filter's count, in the given order, reading as little of a large cache as it can: a filter on
    statuses alone is counted from ix_conversation_status_last; the other filters on unresolved statuses
    (the backlog, a small part of the conversations) share one query over those rows through that index;
    whatever else is left (resolved with more conditions, no status) shares one scan of the table."""
    counts = [0] * len(filters)
    backlog: dict[int, ViewFilter] = {}
    rest: dict[int, ViewFilter] = {}
    with db.read() as conn:
        for i, f in enumerate(filters):
            if f.statuses and f == ViewFilter(statuses=f.statuses):
                where, params = _where(f)
                counts[i] = int(conn.execute(text(f"SELECT count(*) FROM conversation c WHERE {where}"),
                                             params).scalar() or 0)
            elif f.statuses and "resolved" not in f.statuses:
                backlog[i] = f
            else:
                rest[i] = f
        scope = tuple(sorted({s for f in backlog.values() for s in f.statuses}))
        for group, statuses in ((backlog, scope), (rest, ())):
            if group:
                sql, params = _sums(group, statuses)
                row = conn.execute(text(sql), params).one()
                for position, i in enumerate(group):
                    counts[i] = int(row[position])
    return counts


def channels(db: Database) -> list[str]:
    """The channels of the cached conversations: one index seek per channel (a DISTINCT would read every
    entry of ix_conversation_channel)."""
    with db.read() as conn:
        return [r[0] for r in conn.execute(text(
            "WITH RECURSIVE present(channel) AS (SELECT min(channel) FROM conversation UNION ALL"
            " SELECT (SELECT min(c.channel) FROM conversation c WHERE c.channel > present.channel) FROM present"
            " WHERE present.channel IS NOT NULL) SELECT channel FROM present WHERE channel IS NOT NULL"))]


def view_ids(db: Database, f: ViewFilter, *, sort: str, descending: bool, limit: int | None) -> list[int]:
    """The ids of a view in display order (unknown sort keys sort by last activity)."""
    where, params = _where(f)
    order = SORT_COLUMNS.get(sort, SORT_COLUMNS["last_message_at"])
    direction = "DESC" if descending else "ASC"
    joins = ""
    if sort == "customer":
        joins += " LEFT JOIN customer cu ON cu.id = c.customer_id"
    if sort == "assignee":
        joins += " LEFT JOIN agent ag ON ag.id = c.assignee_id"
    sql = f"SELECT c.id FROM conversation c{joins} WHERE {where} ORDER BY {order} {direction}, c.id {direction}"
    if limit:
        sql += f" LIMIT {int(limit)}"
    with db.read() as conn:
        # the driver's own cursor: a big view has tens of thousands of ids, and per-row wrapping would
        # hold the GIL long enough to delay the GUI thread and the next view's first page
        raw: Any = conn.connection.driver_connection
        return [r[0] for r in raw.execute(sql, params).fetchall()]


_ROW_SQL = text(
    "SELECT c.id, coalesce(nullif(cu.name, ''), '(unknown)') AS customer, c.channel, c.subject, c.snippet,"
    " c.labels, c.status, c.priority, coalesce(ag.name, '') AS assignee, c.unread, c.last_message_at,"
    " c.created_at, c.sla_due_at, c.first_response_at, c.intent, c.urgency, c.account_id, c.external_id"
    " FROM conversation c LEFT JOIN customer cu ON cu.id = c.customer_id"
    " LEFT JOIN agent ag ON ag.id = c.assignee_id WHERE c.id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def _labels(raw: str) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def rows(db: Database, ids: list[int]) -> dict[int, ConversationRow]:
    """The list rows of these ids (primary-key lookups)."""
    with db.read() as conn:
        result = conn.execute(_ROW_SQL, {"ids": list(ids)}).all()
        targets = sla_clock.targets(conn)
    return {
        r.id: ConversationRow(
            id=r.id, customer=r.customer, channel=r.channel, subject=r.subject or "", snippet=r.snippet or "",
            labels=_labels(r.labels), status=r.status, priority=r.priority, assignee=r.assignee,
            unread=r.unread or 0, last_message_at=r.last_message_at, created_at=r.created_at,
            sla_due_at=r.sla_due_at, first_response_at=r.first_response_at, intent=r.intent,
            urgency=r.urgency, account_id=r.account_id, external_id=r.external_id,
            sla_target_s=target_for(targets, r.channel),
        )
        for r in result
    }


def clear_unread(db: Database, conversation_id: int) -> None:
    with db.write() as conn:
        conn.execute(text("UPDATE conversation SET unread = 0 WHERE id = :id AND unread != 0"),
                     {"id": conversation_id})


def updated_since(db: Database, ids: list[int], since: int) -> set[int]:
    """Those of ``ids`` whose row changed at or after ``since`` (Unix seconds)."""
    with db.read() as conn:
        return {r[0] for r in conn.execute(text(
            "SELECT id FROM conversation WHERE id IN :ids AND updated_at >= :since"
        ).bindparams(bindparam("ids", expanding=True)), {"ids": list(ids), "since": since})}


def newest(db: Database, *, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Newest first: local id, account, external_id, channel, status, customer, subject, last activity."""
    params: dict[str, str | int]
    where, params = ("c.status = :status", {"status": status}) if status else ("1", {})
    params["limit"] = limit
    with db.read() as conn:
        rows = conn.execute(text(
            "SELECT c.id, c.account_id AS account, c.external_id, c.channel, c.status,"
            " coalesce(cu.name, '') AS customer, c.subject, c.priority, c.last_message_at"
            " FROM conversation c LEFT JOIN customer cu ON cu.id = c.customer_id"
            f" WHERE {where} ORDER BY coalesce(c.last_message_at, c.created_at) DESC, c.id DESC LIMIT :limit"
        ), params).all()
    return [dict(r._mapping) for r in rows]


def conversation_id_by_external(db: Database, external_id: str) -> int | None:
    """The first cached conversation with this external id, whatever its account. No index starts with
    external_id, so this walks the table in id order until it finds one (tens of ms at 100k conversations)."""
    with db.read() as conn:
        row = conn.exec_driver_sql("SELECT id FROM conversation WHERE external_id = ? ORDER BY id LIMIT 1",
                                   (external_id,)).first()
    return int(row[0]) if row is not None else None

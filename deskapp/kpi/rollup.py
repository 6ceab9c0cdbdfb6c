"""Keeps the KPI rollup tables (store/schema_kpi.py) current: per-conversation refresh and full rebuild.

The sync apply-hook (``deskapp.kpi.rollup_hook``) refreshes the conversations a batch touched, inside
the same write transaction; ``rebuild`` recomputes everything (after a migration, or to repair).
Both run the same SQL, so an incremental refresh and a rebuild can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from deskapp.store import sla_clock
from deskapp.store.ingest_util import chunks

# Scope placeholder: empty for a rebuild, or a filter on the temp table of touched conversation ids.
_SCOPE = "{scope}"

# What counts as a response (docs/architecture.md, KPIs): outbound, written by a human, actually sent. Notes and
# activity rows have their own directions; bot, automation, campaign and template messages are flagged
# automated (and a bot's author id never matches an agent's); queued or failed local replies have not
# reached the customer yet. Reopenings include those read from the service's status notices (value
# 'notice', store.ingest_status).
PUBLIC_HUMAN_REPLY = (
    "m.direction = 'out' AND m.automated = 0 AND m.delivery NOT IN ('queued', 'sending', 'failed')"
)
RESOLVED_EVENT = "(e.kind = 'resolved' OR (e.kind = 'status' AND e.value = 'resolved'))"
REOPENED_EVENT = "(e.kind IN ('reopened', 'reopen') OR (e.kind = 'status' AND e.value IN ('open', 'pending')))"
REOPEN_WINDOW_S = 7 * 86400
BUCKET_S = 900

_CTES = f"""
WITH pub AS (
    SELECT m.conversation_id AS cid, m.sent_at AS sent_at, coalesce(a.id, 0) AS agent_id
    FROM message m
    LEFT JOIN agent a ON a.account_id = m.account_id AND a.external_id = m.author_external_id
    WHERE {PUBLIC_HUMAN_REPLY} {_SCOPE}
), first_in AS (
    SELECT m.conversation_id AS cid, min(m.sent_at) AS at
    FROM message m WHERE m.direction = 'in' {_SCOPE} GROUP BY m.conversation_id
), first_reply AS (
    -- SQLite fills the bare column agent_id from the row holding min(sent_at)
    SELECT pub.cid AS cid, min(pub.sent_at) AS at, pub.agent_id AS agent_id
    FROM pub JOIN first_in ON first_in.cid = pub.cid AND pub.sent_at >= first_in.at
    GROUP BY pub.cid
), replies AS (
    SELECT cid, count(*) AS n FROM pub GROUP BY cid
), reopened AS (
    SELECT DISTINCT r.conversation_id AS cid
    FROM conversation_event e
    JOIN conversation_event r ON r.conversation_id = e.conversation_id
    WHERE {REOPENED_EVENT} AND {RESOLVED_EVENT.replace('e.', 'r.')}
      AND e.at > r.at AND e.at <= r.at + {REOPEN_WINDOW_S} {_SCOPE.replace('scope', 'event_scope')}
)
"""

# Columns copied from conversation; the triggers below keep them in step with every later write.
COPIED_COLUMNS = ("account_id", "customer_id", "channel", "status", "assignee_id", "team_id", "intent",
                  "created_at", "resolved_at", "sla_due_at")
_COPIED = ", ".join(COPIED_COLUMNS)

_FILL_CONVERSATION = f"""
INSERT INTO kpi_conversation
    (conversation_id, {_COPIED}, first_inbound_at, first_reply_at, first_reply_agent_id, human_replies, reopened_7d)
{_CTES}
SELECT c.id, {", ".join("c." + col for col in COPIED_COLUMNS)},
       first_in.at, first_reply.at, first_reply.agent_id, coalesce(replies.n, 0), reopened.cid IS NOT NULL
FROM conversation c
LEFT JOIN first_in ON first_in.cid = c.id
LEFT JOIN first_reply ON first_reply.cid = c.id
LEFT JOIN replies ON replies.cid = c.id
LEFT JOIN reopened ON reopened.cid = c.id
WHERE 1 = 1 {{conversation_scope}}
"""
# A refresh updates the rows in place: the daily rollups' triggers (deskapp.kpi.day_rollup) then move only
# what really changed, where a delete and insert would take every row out and put it back.
_REFRESHED = (*COPIED_COLUMNS, "first_inbound_at", "first_reply_at", "first_reply_agent_id", "human_replies",
              "reopened_7d")
# ... and a row whose figures did not move is not written at all (its five indexes stay as they are).
_UPSERT = (" ON CONFLICT (conversation_id) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in _REFRESHED)
           + " WHERE " + " OR ".join(f"kpi_conversation.{c} IS NOT excluded.{c}" for c in _REFRESHED))

# Created by migration 0003, extended by 0007 (SQLAlchemy cannot describe triggers).
TRIGGERS = [
    f"""CREATE TRIGGER kpi_conversation_ai AFTER INSERT ON conversation BEGIN
    INSERT OR IGNORE INTO kpi_conversation (conversation_id, {_COPIED})
    VALUES (new.id, {", ".join("new." + col for col in COPIED_COLUMNS)});
END""",
    f"""CREATE TRIGGER kpi_conversation_au AFTER UPDATE OF {_COPIED} ON conversation BEGIN
    UPDATE kpi_conversation SET {", ".join(f"{col} = new.{col}" for col in COPIED_COLUMNS)}
    WHERE conversation_id = new.id;
END""",
]

_FILL_REPLY = f"""
INSERT INTO kpi_reply (conversation_id, agent_id, bucket, replies)
{_CTES}
SELECT cid, agent_id, sent_at / {BUCKET_S} * {BUCKET_S}, count(*) FROM pub GROUP BY cid, agent_id, sent_at / {BUCKET_S}
"""

_SCOPED = {
    "scope": "AND m.conversation_id IN (SELECT id FROM temp.kpi_scope)",
    "event_scope": "AND e.conversation_id IN (SELECT id FROM temp.kpi_scope)",
    "conversation_scope": "AND c.id IN (SELECT id FROM temp.kpi_scope)",
}
_UNSCOPED = {"scope": "", "event_scope": "", "conversation_scope": ""}


def _render(template: str, scopes: dict[str, str]) -> str:
    return template.replace("{scope}", scopes["scope"]).replace(
        "{event_scope}", scopes["event_scope"]).replace("{conversation_scope}", scopes["conversation_scope"])


def rebuild_statements() -> list[str]:
    """The SQL of a full rebuild (the 0003 migration runs a copy of it to backfill an existing cache)."""
    return [
        "DELETE FROM kpi_conversation",
        "DELETE FROM kpi_reply",
        _render(_FILL_CONVERSATION, _UNSCOPED),
        _render(_FILL_REPLY, _UNSCOPED),
    ]


def rebuild(conn: Connection) -> None:
    """Recompute every rollup row from the cache; call inside a write transaction."""
    sla_clock.refresh_all(conn)  # the SLA deadlines are copied in with the other conversation columns
    for statement in rebuild_statements():
        conn.exec_driver_sql(statement)


def refresh_conversations(conn: Connection, conversation_ids: Iterable[int]) -> int:
    """Recompute the rollups of these conversations (inside the caller's write transaction)."""
    ids = sorted({int(i) for i in conversation_ids if i is not None})
    if not ids:
        return 0
    sla_clock.refresh(conn, ids)
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS kpi_scope (id INTEGER PRIMARY KEY)")
    conn.exec_driver_sql("DELETE FROM temp.kpi_scope")
    conn.exec_driver_sql("INSERT INTO temp.kpi_scope (id) VALUES (?)", [(i,) for i in ids])
    conn.exec_driver_sql("DELETE FROM kpi_reply WHERE conversation_id IN (SELECT id FROM temp.kpi_scope)")
    conn.exec_driver_sql(_render(_FILL_CONVERSATION, _SCOPED) + _UPSERT)
    conn.exec_driver_sql(_render(_FILL_REPLY, _SCOPED))
    conn.exec_driver_sql("DELETE FROM temp.kpi_scope")
    return len(ids)


def conversations_of_messages(conn: Connection, message_ids: Iterable[int]) -> set[int]:
    """The conversations new messages belong to (a hook may get message ids without their conversations)."""
    ids = sorted({int(i) for i in message_ids})
    found: set[int] = set()
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in conn.exec_driver_sql(
            f"SELECT DISTINCT conversation_id FROM message WHERE id IN ({marks})", tuple(chunk)))
    return found

"""Reads of the performance tabs besides the KPI figures (deskapp.kpi), for services.reports: the values a
filter box offers and the open conversations still waiting for a first reply (the outage view)."""

from __future__ import annotations

from sqlalchemy import Connection

from deskapp.store.engine import Database


def distinct_values(conn: Connection, table: str, column: str) -> list[str]:
    """Distinct values of an indexed column by hopping from one to the next through the index
    (a handful of seeks instead of reading every row: SQLite has no skip-scan for DISTINCT)."""
    return [r[0] for r in conn.exec_driver_sql(
        f"WITH RECURSIVE v(x) AS (SELECT min({column}) FROM {table} UNION ALL"
        f" SELECT (SELECT min({column}) FROM {table} WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL)"
        " SELECT x FROM v WHERE x IS NOT NULL")]


def unanswered(db: Database, statuses: tuple[str, ...]) -> list[tuple[int, str, str | None, str, int, str | None]]:
    """(id, external_id, subject, channel, first inbound at, assignee name) of the conversations in these
    statuses whose customer wrote and nobody replied yet."""
    with db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.id, c.external_id, c.subject, c.channel, k.first_inbound_at, a.name"
            " FROM conversation c JOIN kpi_conversation k ON k.conversation_id = c.id"
            " LEFT JOIN agent a ON a.id = c.assignee_id"
            f" WHERE c.status IN ({','.join('?' * len(statuses))})"
            " AND k.first_inbound_at IS NOT NULL AND k.first_reply_at IS NULL", statuses).all()
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

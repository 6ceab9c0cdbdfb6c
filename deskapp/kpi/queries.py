"""The SQL behind the dashboard: aggregates over the rollups' covering indexes, values only where a
percentile needs them.

Every query reads kpi_conversation / kpi_reply (or indexed survey and order ranges), never the
message table, and groups in SQLite so Python only sees small results. Rows come back through the
driver's own cursor: per-row wrapping would cost more than the queries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from deskapp.kpi import rules
from deskapp.kpi.definitions import CONTACT_WINDOW_S
from deskapp.kpi.period import Period
from deskapp.kpi.scope import Filters, conversation_where


def rows(conn: Connection, sql: str, params: tuple | list = ()) -> list[tuple]:
    raw: Any = conn.connection.driver_connection
    return raw.execute(sql, tuple(params)).fetchall()


def _created(period: Period, filters: Filters) -> tuple[str, list]:
    where, params = conversation_where(filters)
    return f"FROM kpi_conversation k WHERE k.created_at >= ? AND k.created_at < ?{where}", [
        period.start, period.end, *params]


def _resolved(period: Period, filters: Filters) -> tuple[str, list]:
    where, params = conversation_where(filters)
    return ("FROM kpi_conversation k INDEXED BY ix_kpi_conv_resolved"
            f" WHERE k.resolved_at >= ? AND k.resolved_at < ? AND k.status = 'resolved'{where}",
            [period.start, period.end, *params])


def created_rows(conn: Connection, period: Period, filters: Filters, *,
                 detail: bool = True) -> list[tuple[int, int | None, str, str | None, int | None, int | None, str]]:
    """(local day index, assignee, channel, intent, first response seconds or None, first inbound, resolved 0/1)
    per conversation created in the period; day and intent are 0/None unless ``detail``.

    One fetch serves FRT, SLA, volume and the agent table: cheaper than a GROUP BY (a sort) per figure.
    """
    day, day_params = rules.day_case(period, "k.created_at") if detail else ("0", [])
    source, params = _created(period, filters)
    intent = "k.intent" if detail else "NULL"
    return rows(conn, f"SELECT {day}, k.assignee_id, k.channel, {intent}, k.first_reply_at - k.first_inbound_at,"
                      f" k.first_inbound_at, k.status = 'resolved' {source}", [*day_params, *params])


def created_summary(conn: Connection, period: Period, filters: Filters, targets: dict[str, int],
                    now: int) -> tuple[int, int, int, int, int]:
    """(conversations, answered, unanswered, SLA measured, SLA breached) of the created cohort, counted in
    SQLite: one result row, so the work runs with the GIL released (beside another query on a second core)."""
    (measured, measured_params), (breached, breached_params) = rules.sla_measured_breached(targets, now)
    source, params = _created(period, filters)
    row = rows(conn, f"SELECT count(*), total({rules.ANSWERED}), total({rules.UNANSWERED}), total({measured}),"
                     f" total({breached}) {source}", [*measured_params, *breached_params, *params])[0]
    return tuple(int(v) for v in row)  # type: ignore[return-value]


def frt_at_ranks(conn: Connection, period: Period, filters: Filters, ranks: tuple[int, ...]) -> dict[int, int]:
    """First response seconds of the answered created cohort at the given ascending ``ranks`` (0-based)."""
    source, params = _created(period, filters)
    return _at_ranks(conn, "k.first_reply_at - k.first_inbound_at", f"{source} AND {rules.ANSWERED}", params, ranks)


def resolution_summary(conn: Connection, period: Period, filters: Filters) -> tuple[int, int]:
    """(conversations resolved in the period, of which first-contact resolved)."""
    source, params = _resolved(period, filters)
    row = rows(conn, f"SELECT count(*), total({rules.FCR}) {source}", params)[0]
    return int(row[0]), int(row[1])


def resolution_at_ranks(conn: Connection, period: Period, filters: Filters,
                        ranks: tuple[int, ...]) -> dict[int, int]:
    """Resolution seconds of the conversations resolved in the period at the given ascending ``ranks``."""
    source, params = _resolved(period, filters)
    return _at_ranks(conn, "k.resolved_at - k.created_at", source, params, ranks)


def _at_ranks(conn: Connection, value: str, source: str, params: list, ranks: tuple[int, ...]) -> dict[int, int]:
    if not ranks:
        return {}
    marks = ",".join("?" * len(ranks))
    found = rows(conn, f"SELECT i, v FROM (SELECT row_number() OVER (ORDER BY v) - 1 AS i, v"
                       f" FROM (SELECT {value} AS v {source})) WHERE i IN ({marks})", [*params, *ranks])
    return {int(i): v for i, v in found}


def volume_by_label(conn: Connection, period: Period, filters: Filters) -> list[tuple[str, int]]:
    source, params = _created(period, filters)
    source = source.replace("FROM kpi_conversation k", "FROM kpi_conversation k JOIN conversation_label lb"
                            " ON lb.conversation_id = k.conversation_id", 1)
    return rows(conn, f"SELECT lb.label, count(*) {source} GROUP BY lb.label", params)


def resolution_rows(conn: Connection, period: Period, filters: Filters, *,
                    detail: bool = True) -> list[tuple[int, int | None, int, int]]:
    """(local day index of the resolution, assignee, resolution seconds, first-contact resolved 0/1) per
    conversation resolved in the period; the day is 0 unless ``detail``."""
    day, day_params = rules.day_case(period, "k.resolved_at") if detail else ("0", [])
    source, params = _resolved(period, filters)
    return rows(conn, f"SELECT {day}, k.assignee_id, k.resolved_at - k.created_at, {rules.FCR} {source}",
                [*day_params, *params])


def _surveys(period: Period, filters: Filters) -> tuple[str, list]:
    """Answers in the period; with a conversation filter on, only those tied to a matching conversation
    (``k``: their conversation; without a filter there is no ``k``, as every answer counts)."""
    # naming the kinds lets SQLite use ix_survey_kind_at (kind, at) for the range, or the covering
    # ix_survey_kind_at_score (migration 0014)
    source = "FROM survey_response s"
    if filters.any_conversation_filter:
        source += " JOIN kpi_conversation k ON k.conversation_id = s.conversation_id"
    where, params = conversation_where(filters)
    return (f"{source} WHERE s.kind IN ('csat', 'nps', 'ces') AND s.at >= ? AND s.at < ?{where}",
            [period.start, period.end, *params])


def survey_rows(conn: Connection, period: Period, filters: Filters, *,
                detail: bool = True) -> list[tuple[str, int, int, int | None]]:
    """(kind, score, local day index, assignee) per answer — day and assignee 0/None unless ``detail``; the
    assignee only of CSAT answers, the only ones read by agent."""
    day, day_params = rules.day_case(period, "s.at") if detail else ("0", [])
    source, params = _surveys(period, filters)
    assignee = "NULL"
    if detail:
        assignee = "k.assignee_id" if filters.any_conversation_filter else (
            "CASE s.kind WHEN 'csat' THEN (SELECT assignee_id FROM kpi_conversation WHERE conversation_id ="
            " s.conversation_id) END")
    return rows(conn, f"SELECT s.kind, s.score, {day}, {assignee} {source}", [*day_params, *params])


def survey_counts(conn: Connection, period: Period, filters: Filters) -> dict[str, tuple[int, int, int, int, float]]:
    """Per kind: (answers, valid answers, top answers, bottom answers, sum of valid scores), where valid is 1–5
    for CSAT (top 4–5), 0–10 for NPS (top 9–10, bottom 0–6) and 1–7 for CES."""
    source, params = _surveys(period, filters)
    valid = "CASE s.kind WHEN 'csat' THEN s.score BETWEEN 1 AND 5 WHEN 'nps' THEN s.score BETWEEN 0 AND 10" \
            " ELSE s.score BETWEEN 1 AND 7 END"
    found = rows(conn, f"SELECT s.kind, count(*), total({valid}),"
                       " total(CASE s.kind WHEN 'csat' THEN s.score BETWEEN 4 AND 5 WHEN 'nps' THEN s.score"
                       " BETWEEN 9 AND 10 END), total(s.kind = 'nps' AND s.score BETWEEN 0 AND 6),"
                       f" total(CASE WHEN {valid} THEN s.score END) {source} GROUP BY s.kind", params)
    return {kind: (int(n), int(ok), int(top), int(bottom), total) for kind, n, ok, top, bottom, total in found}


def replies_by_agent(conn: Connection, period: Period, filters: Filters) -> dict[int | None, int]:
    """Public human replies sent in the period, per author (the assignee when the author is unknown)."""
    where, params = conversation_where(filters, include_agent=False)
    start, end = period.start, period.end
    if where:
        found = rows(conn, "SELECT CASE r.agent_id WHEN 0 THEN k.assignee_id ELSE r.agent_id END AS aid,"
                           " sum(r.replies) FROM kpi_reply r JOIN kpi_conversation k ON k.conversation_id ="
                           f" r.conversation_id WHERE r.bucket >= ? AND r.bucket < ?{where} GROUP BY aid",
                     (start, end, *params))
    else:  # the common case: one index range per author (no sort), unknown authors through their assignee
        found = rows(conn, "SELECT a.id, (SELECT sum(r.replies) FROM kpi_reply r INDEXED BY ix_kpi_reply_agent"
                           " WHERE r.agent_id = a.id AND r.bucket >= ? AND r.bucket < ?) FROM agent a"
                           " UNION ALL SELECT k.assignee_id, sum(r.replies) FROM kpi_reply r"
                           " JOIN kpi_conversation k ON k.conversation_id = r.conversation_id"
                           " WHERE r.agent_id = 0 AND r.bucket >= ? AND r.bucket < ? GROUP BY k.assignee_id",
                     (start, end, start, end))
    result: dict[int | None, int] = {}
    for aid, n in found:
        if n:
            result[aid] = result.get(aid, 0) + int(n)
    if filters.agent_ids:
        result = {aid: n for aid, n in result.items() if aid in filters.agent_ids}
    return result


def contact_source(period: Period, filters: Filters) -> tuple[str, list]:
    """Orders placed in the period joined to conversations their customer opened within 30 days after."""
    channel_sql, channel_params = "", []
    if filters.channels:
        channel_sql = f" AND k.channel IN ({','.join('?' * len(filters.channels))})"
        channel_params = list(filters.channels)
    return ('FROM "order" o JOIN kpi_conversation k ON k.customer_id = o.customer_id'
            f" AND k.created_at >= o.placed_at AND k.created_at < o.placed_at + {CONTACT_WINDOW_S}"
            f" WHERE o.placed_at >= ? AND o.placed_at < ?{channel_sql}", [period.start, period.end, *channel_params])


def contact_counts(conn: Connection, period: Period, filters: Filters) -> tuple[int, int]:
    """(orders placed in the period, those followed by a conversation within 30 days)."""
    channel_sql, channel_params = "", []
    if filters.channels:
        channel_sql = f" AND k.channel IN ({','.join('?' * len(filters.channels))})"
        channel_params = list(filters.channels)
    row = rows(conn, 'SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM kpi_conversation k'
                     " WHERE k.customer_id = o.customer_id AND k.created_at >= o.placed_at"
                     f" AND k.created_at < o.placed_at + {CONTACT_WINDOW_S}{channel_sql})), 0)"
                     ' FROM "order" o WHERE o.placed_at >= ? AND o.placed_at < ?',
               [*channel_params, period.start, period.end])[0]
    return int(row[0]), int(row[1])


def open_counts(conn: Connection, filters: Filters, targets: dict[str, int], now: int) -> list[tuple[str, str, int]]:
    """(age bucket, clock state or None, conversations) over what is open now."""
    where, params = conversation_where(filters)
    age, age_params = rules.age_case(now)
    clock, clock_params = rules.clock_case(targets, now)
    return rows(conn, f"SELECT {age} AS b, {clock} AS s, count(*) FROM kpi_conversation k INDEXED BY"
                      f" ix_kpi_conv_open WHERE {rules.OPEN}{where} GROUP BY b, s",
                [*age_params, *clock_params, *params])


def agents(conn: Connection, agent_ids: tuple[int, ...] = ()) -> list[tuple[int, str, str]]:
    sql = "SELECT id, name, email FROM agent"
    params: tuple = ()
    if agent_ids:
        sql += f" WHERE id IN ({','.join('?' * len(agent_ids))})"
        params = tuple(agent_ids)
    return [(r[0], r[1], r[2]) for r in rows(conn, sql + " ORDER BY name, id", params)]


def setting(conn: Connection, key: str) -> str | None:
    found = rows(conn, "SELECT value FROM setting WHERE key = ?", (key,))
    return found[0][0] if found else None


def running_clocks(conn: Connection) -> list[tuple[int, str, str, str, int, str]]:
    """(conversation id, external id, subject, channel, first-response deadline, assignee name) of every
    conversation open now whose clock runs: the deadlines the inbox chip and the "at risk now" figure read."""
    return rows(conn, "SELECT c.id, c.external_id, c.subject, c.channel, k.sla_due_at, coalesce(a.name, '')"
                      " FROM kpi_conversation k INDEXED BY ix_kpi_conv_open JOIN conversation c ON c.id ="
                      f" k.conversation_id LEFT JOIN agent a ON a.id = c.assignee_id WHERE {rules.OPEN}"
                      " AND k.sla_due_at IS NOT NULL")

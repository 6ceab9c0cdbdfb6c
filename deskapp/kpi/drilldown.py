"""The conversations behind each dashboard figure: ``conversation_ids(conn, period, filters, key)``.

Keys (<date> is the first day of a trend bucket: a day, or a week or month for long periods):
frt, unanswered, resolution, fcr, csat, nps, ces, contact_rate, sla_breached, sla_at_risk,
sla_breaching, volume, volume:day:<date>, volume:day:<date>:<channel>, volume:channel:<channel>,
intent:<intent>, label:<label>, backlog, backlog:<bucket>, frt:day:<date>, resolution:day:<date>,
csat:day:<date>, nps:day:<date>, agent:<id> (assigned), agent:<id>:resolutions,
agent:<id>:all (both), revenue_influenced (the conversations whose reply an order followed). Unknown keys give [].
Each uses the same SQL rules (deskapp.kpi.rules) as the figure it explains.
"""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import Connection

from deskapp.domain.sla import SETTING_SLA_TARGETS, sla_targets
from deskapp.kpi import commerce, queries, rules
from deskapp.kpi.period import Period
from deskapp.kpi.scope import Filters, conversation_where

SURVEY_KINDS = ("csat", "nps", "ces")


def _day_range(period: Period, iso: str) -> tuple[int, int] | None:
    """The trend bucket (day, week or month) starting on ``iso``."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return None
    return period.bucket_span(day)


def _ids(conn: Connection, sql: str, params: list) -> list[int]:
    return sorted({r[0] for r in queries.rows(conn, sql, params) if r[0] is not None})


def conversation_ids(conn: Connection, period: Period, filters: Filters | None, key: str, *,
                     now: int | None = None, targets: dict[str, int] | None = None) -> list[int]:
    filters = filters or Filters()
    now = int(time.time()) if now is None else now
    if targets is None:
        targets = sla_targets(queries.setting(conn, SETTING_SLA_TARGETS))
    where, fparams = conversation_where(filters)
    created = f"SELECT k.conversation_id FROM kpi_conversation k WHERE k.created_at >= ? AND k.created_at < ?{where}"
    cparams = [period.start, period.end, *fparams]
    resolved = ("SELECT k.conversation_id FROM kpi_conversation k WHERE k.resolved_at >= ? AND k.resolved_at < ?"
                f" AND k.status = 'resolved'{where}")
    opened = f"SELECT k.conversation_id FROM kpi_conversation k WHERE {rules.OPEN}{where}"
    head, _, rest = key.partition(":")

    if key in ("frt", "volume"):
        extra = " AND k.first_inbound_at IS NOT NULL" if key == "frt" else ""
        return _ids(conn, created + extra, cparams)
    if key == "unanswered":
        return _ids(conn, f"{created} AND {rules.UNANSWERED}", cparams)
    if key == "resolution":
        return _ids(conn, resolved, cparams)
    if key == "fcr":
        return _ids(conn, f"{resolved} AND {rules.FCR}", cparams)
    if key == "sla_breached":
        _, (breached, bparams) = rules.sla_measured_breached(targets, now)
        return _ids(conn, f"{created} AND {breached}", [*cparams, *bparams])
    if key in ("sla_at_risk", "sla_breaching"):
        clock, clock_params = rules.clock_case(targets, now)
        state = "at_risk" if key == "sla_at_risk" else "breaching"
        return _ids(conn, f"{opened} AND {clock} = ?", [*fparams, *clock_params, state])
    if key == "backlog" or head == "backlog":
        if not rest:
            return _ids(conn, opened, fparams)
        age, age_params = rules.age_case(now)
        return _ids(conn, f"{opened} AND {age} = ?", [*fparams, *age_params, rest])
    if key == "revenue_influenced":
        return sorted({conversation for *_order, conversation in commerce.influenced_orders(conn, period, filters)})
    if key == "contact_rate":
        source, params = queries.contact_source(period, filters)
        return _ids(conn, f"SELECT k.conversation_id {source}", params)
    if key in SURVEY_KINDS or (head in ("csat", "nps") and rest.startswith("day:")):
        start, end = period.start, period.end
        if rest:
            span = _day_range(period, rest[4:])
            if span is None:
                return []
            start, end = span
        join = "JOIN" if filters.any_conversation_filter else "LEFT JOIN"
        return _ids(conn, f"SELECT s.conversation_id FROM survey_response s {join} kpi_conversation k"
                          " ON k.conversation_id = s.conversation_id WHERE s.kind = ? AND s.at >= ? AND s.at < ?"
                          f"{where}", [head, start, end, *fparams])
    if head == "volume" and rest:
        kind, _, value = rest.partition(":")
        if kind == "channel":
            return _ids(conn, f"{created} AND k.channel = ?", [*cparams, value])
        if kind == "day":
            iso, _, channel = value.partition(":")
            span = _day_range(period, iso)
            if span is None:
                return []
            extra, extra_params = (" AND k.channel = ?", [channel]) if channel else ("", [])
            return _ids(conn, f"{created} AND k.created_at >= ? AND k.created_at < ?{extra}",
                        [*cparams, *span, *extra_params])
        return []
    if head == "intent" and rest:
        return _ids(conn, f"{created} AND coalesce(k.intent, 'unknown') = ?", [*cparams, rest])
    if head == "label" and rest:
        return _ids(conn, f"{created} AND EXISTS (SELECT 1 FROM conversation_label lb WHERE lb.conversation_id ="
                          " k.conversation_id AND lb.label = ?)", [*cparams, rest])
    if head in ("frt", "resolution") and rest.startswith("day:"):
        span = _day_range(period, rest[4:])
        if span is None:
            return []
        if head == "frt":
            return _ids(conn, f"{created} AND {rules.ANSWERED} AND k.created_at >= ? AND k.created_at < ?",
                        [*cparams, *span])
        return _ids(conn, f"{resolved} AND k.resolved_at >= ? AND k.resolved_at < ?", [*cparams, *span])
    if head == "agent" and rest:
        agent, _, what = rest.partition(":")
        if not agent.lstrip("-").isdigit():
            return []
        if what in ("resolutions", "all"):
            found = _ids(conn, f"{resolved} AND k.assignee_id = ?", [*cparams, int(agent)])
            if what == "all":
                found = sorted({*found, *_ids(conn, f"{created} AND k.assignee_id = ?", [*cparams, int(agent)])})
            return found
        if not what:
            return _ids(conn, f"{created} AND k.assignee_id = ?", [*cparams, int(agent)])
    return []

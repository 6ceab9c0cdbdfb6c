"""Computes every KPI figure for a period and filters: ``compute_dashboard(conn, period, filters)``.

Returns a ``Dashboard`` whose ``figures`` are plain JSON (what `deskapp kpi --json` prints and the
charts draw). The conversations behind a figure come from ``deskapp.kpi.drilldown.conversation_ids``
with the figure's key, on demand.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from deskapp.domain.sla import DEFAULT_TARGET_S, SETTING_SLA_TARGETS, sla_targets
from deskapp.kpi import commerce, day_figures, queries
from deskapp.kpi.definitions import (
    BACKLOG_BUCKETS,
    ces_of,
    csat_of,
    nps_from_counts,
    nps_of,
    percentile_ranks,
    percentiles,
    percentiles_at,
    share,
)
from deskapp.kpi.period import Period
from deskapp.kpi.scope import Filters


@dataclass
class Dashboard:
    figures: dict[str, Any]
    period: Period | None = None
    filters: Filters | None = None
    now: int = 0


class _Created:
    """One pass over the conversations created in the period: FRT, SLA, volume and per-agent figures.

    The SLA rule is the one of deskapp.kpi.rules.sla_measured_breached: measured = answered, or
    unanswered, unresolved and past target; breached = answered later than the target, or unanswered,
    unresolved and past it.
    """

    def __init__(self, created: list[tuple], days: int, targets: dict[str, int], now: int) -> None:
        self.total = len(created)
        self.frt: list[int] = []
        self.frt_by_day: list[list[int]] = [[] for _ in range(days)]
        self.frt_by_agent: dict[int | None, list[int]] = defaultdict(list)
        self.assigned: dict[int | None, int] = defaultdict(int)
        self.per_day: list[dict[str, int]] = [defaultdict(int) for _ in range(days)]
        self.by_intent: dict[str, int] = defaultdict(int)
        self.unanswered = self.measured = self.breached = 0
        default = targets.get("other", DEFAULT_TARGET_S)
        for day, agent, channel, intent, frt, first_in, resolved in created:
            self.per_day[day][channel] += 1
            self.by_intent[intent or "unknown"] += 1
            self.assigned[agent] += 1
            if frt is not None:
                self.frt.append(frt)
                self.frt_by_day[day].append(frt)
                self.frt_by_agent[agent].append(frt)
                self.measured += 1
                self.breached += frt > targets.get(channel, default)
            elif first_in is not None and not resolved:
                self.unanswered += 1
                if now - first_in > targets.get(channel, default):
                    self.measured += 1
                    self.breached += 1


class _Surveys:
    """Survey answers grouped by kind, day and agent."""

    def __init__(self, answers: list[tuple], days: int) -> None:
        self.total: dict[str, list[int]] = defaultdict(list)
        self.by_day: dict[str, list[list[int]]] = {k: [[] for _ in range(days)] for k in ("csat", "nps")}
        self.csat_by_agent: dict[int | None, list[int]] = defaultdict(list)
        for kind, score, day, agent in answers:
            self.total[kind].append(score)
            if kind in self.by_day:
                self.by_day[kind][day].append(score)
            if kind == "csat":
                self.csat_by_agent[agent].append(score)

    def figures(self) -> dict[str, Any]:
        return {"csat": csat_of(self.total["csat"]), "nps": nps_of(self.total["nps"]),
                "ces": ces_of(self.total["ces"]),
                "survey_responses": {k: len(v) for k, v in sorted(self.total.items()) if v}}


def _by_day(values: list[tuple], days: int, column: int) -> list[list[int]]:
    buckets: list[list[int]] = [[] for _ in range(days)]
    for row in values:
        buckets[row[0]].append(row[column])
    return buckets


def headline(conn: Connection, period: Period, filters: Filters | None = None, *, now: int | None = None,
             targets: dict[str, int] | None = None) -> dict[str, Any]:
    """The tile figures only (FRT, resolution, FCR, surveys, contact rate, SLA breach rate, volume), the
    same as ``compute_dashboard`` gives for them; counted and ranked in SQLite, so Python only sees a few
    rows and the GIL stays free while another thread computes the charts."""
    filters = filters or Filters()
    now = int(time.time()) if now is None else now
    if targets is None:
        targets = sla_targets(queries.setting(conn, SETTING_SLA_TARGETS))
    scope = day_figures.usable(conn, period, filters, targets)
    if scope is not None:
        cohorts = day_figures.headline_cohorts(conn, period, scope)
        frt, resolution = cohorts.frt.percentiles(), cohorts.resolved.percentiles()
        n_resolved, n_fcr = cohorts.resolved.n, cohorts.fcr
        total, answered, unanswered, measured, breached = _sla_summary(conn, period, filters, targets, now, cohorts)
    else:
        total, answered, unanswered, measured, breached = queries.created_summary(conn, period, filters, targets,
                                                                                  now)
        frt_at = queries.frt_at_ranks(conn, period, filters, percentile_ranks(answered))
        frt = percentiles_at(answered, frt_at.__getitem__)
        n_resolved, n_fcr = queries.resolution_summary(conn, period, filters)
        resolution_at = queries.resolution_at_ranks(conn, period, filters, percentile_ranks(n_resolved))
        resolution = percentiles_at(n_resolved, resolution_at.__getitem__)
    surveys = queries.survey_counts(conn, period, filters)
    none = (0, 0, 0, 0, 0.0)
    csat, nps, ces = (surveys.get(kind, none) for kind in ("csat", "nps", "ces"))
    return _tiles(
        period, filters, targets, total=total, frt=frt,
        answered=answered, unanswered=unanswered, measured=measured, breached=breached,
        resolution=resolution, n_resolved=n_resolved, n_fcr=n_fcr,
        survey_figures={"csat": share(csat[2], csat[1]), "nps": nps_from_counts(nps[2], nps[3], nps[1]),
                        "ces": share(ces[4], ces[1]),
                        "survey_responses": {k: v[0] for k, v in sorted(surveys.items()) if v[0]}},
        contact=queries.contact_counts(conn, period, filters),
        revenue=commerce.revenue_influenced(conn, period, filters),
        refunds=commerce.refunds_issued(conn, period, filters))


def _tiles(period: Period, filters: Filters, targets: dict[str, int], *, total: int,
           frt: tuple[float | None, float | None], answered: int, unanswered: int, measured: int, breached: int,
           resolution: tuple[float | None, float | None], n_resolved: int, n_fcr: int,
           survey_figures: dict[str, Any], contact: tuple[int, int], revenue: dict[str, Any],
           refunds: dict[str, Any]) -> dict[str, Any]:
    """The headline figures as `deskapp kpi --json` prints them (the dashboard adds the charts' figures)."""
    orders, contacted = contact
    return {
        "period": {"from": period.first_day.isoformat(), "to": period.end_day.isoformat(), "tz": period.tz.key,
                   "start_utc": period.start, "end_utc": period.end},
        "filters": filters.describe(),
        "frt": {"median_s": frt[0], "p90_s": frt[1], "unanswered": unanswered, "answered": answered},
        "resolution": {"median_s": resolution[0], "p90_s": resolution[1], "count": n_resolved},
        "fcr": share(n_fcr, n_resolved),
        "fcr_counts": {"fcr": n_fcr, "resolved": n_resolved},
        **survey_figures,
        "contact_rate": share(contacted, orders),
        "contact_counts": {"orders": orders, "contacted": contacted},
        "sla": {"breach_rate": share(breached, measured), "breached": breached, "measured": measured,
                "targets_s": targets},
        "volume": {"total": total},
        "revenue_influenced": {"orders": revenue["orders"], "amounts": revenue["amounts"]},
        "refunds": {"count": refunds["count"], "amounts": refunds["amounts"]},
    }


Read = Callable[[Connection], Any]
# Runs one read on a connection of its own and gives its future (ReportService: on its worker pool).
Runner = Callable[[Read], "Future[Any]"]


def _on(conn: Connection) -> Runner:
    """A runner that reads on ``conn`` at once, in the calling thread."""
    def run(read: Read) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(read(conn))
        return done
    return run


@dataclass
class _RawReads:
    """The reads of raw rows the rollups do not hold, each independent of the others: started together,
    they overlap the rollup reads when the runner puts them on other connections."""

    labels: Future[list[tuple[str, int]]]
    surveys: Future[list[tuple]]
    replies: Future[dict[int | None, int]]
    open: Future[list[tuple[str, str, int]]]


def _start_raw_reads(run: Runner, period: Period, filters: Filters, targets: dict[str, int], now: int,
                     labels: list[tuple[str, int]] | None) -> _RawReads:
    """``labels``: the counts by label when the rollups gave them, else they are read from the rows too."""
    if labels is None:  # the longest first: on a busy pool it finishes first too
        by_label = run(lambda c: queries.volume_by_label(c, period, filters))
    else:
        by_label = Future()
        by_label.set_result(labels)
    return _RawReads(labels=by_label,
                     surveys=run(lambda c: queries.survey_rows(c, period, filters)),
                     replies=run(lambda c: queries.replies_by_agent(c, period, filters)),
                     open=run(lambda c: queries.open_counts(c, filters, targets, now)))


def compute_dashboard(conn: Connection, period: Period, filters: Filters | None = None, *,
                      now: int | None = None, targets: dict[str, int] | None = None,
                      with_previous: bool = False, run: Runner | None = None) -> Dashboard:
    """Every KPI figure for ``period``; ``now`` (Unix seconds) drives backlog and SLA clocks.

    ``with_previous`` adds the tile figures of the period just before, for the tiles' change. ``run``
    runs the raw reads (survey answers, labels, replies, backlog) on other connections while this one
    reads the rollups; without it they run here, one after the other. The figures are the same either way.
    """
    filters = filters or Filters()
    now = int(time.time()) if now is None else now
    if targets is None:
        targets = sla_targets(queries.setting(conn, SETTING_SLA_TARGETS))
    rolled_up = not filters.any_conversation_filter and day_figures.usable(conn, period, filters, targets)
    labels = day_figures.by_label(conn, period) if rolled_up else None
    raw = _start_raw_reads(run or _on(conn), period, filters, targets, now, labels)
    revenue = commerce.revenue_influenced(conn, period, filters)
    refunds = commerce.refunds_issued(conn, period, filters)
    if rolled_up:
        cohorts = _from_rollups(conn, period, filters, targets, now)
    else:
        cohorts = _from_rows(conn, period, filters, targets, now)
    surveys = _Surveys(raw.surveys.result(), len(period.buckets()))
    figures = _tiles(
        period, filters, targets, total=cohorts.total, frt=cohorts.frt, answered=cohorts.answered,
        unanswered=cohorts.unanswered, measured=cohorts.measured, breached=cohorts.breached,
        resolution=cohorts.resolution, n_resolved=cohorts.n_resolved, n_fcr=cohorts.n_fcr,
        survey_figures=surveys.figures(), contact=queries.contact_counts(conn, period, filters), revenue=revenue,
        refunds=refunds)
    _add_full(conn, figures, period, filters, cohorts, surveys, raw, revenue["by_agent"], refunds["by_agent"])
    if with_previous:
        figures["previous"] = headline(conn, period.previous(), filters, now=now, targets=targets)
    return Dashboard(figures=figures, period=period, filters=filters, now=now)


@dataclass
class _Cohorts:
    """The created and resolved cohorts as the figures read them, from rows or from the daily rollups."""

    total: int
    frt: tuple[float | None, float | None]
    answered: int
    unanswered: int
    measured: int
    breached: int
    resolution: tuple[float | None, float | None]
    n_resolved: int
    n_fcr: int
    per_day: list[dict[str, int]]  # per trend bucket: conversations created by channel
    by_intent: dict[str, int]
    frt_days: list[tuple[float | None, float | None]]
    resolution_days: list[tuple[float | None, float | None]]
    assigned: dict[int | None, int]
    frt_median_by_agent: dict[int | None, float | None]
    resolutions_by_agent: dict[int | None, list[int]]  # [resolved, first-contact resolved]


def _from_rows(conn: Connection, period: Period, filters: Filters, targets: dict[str, int], now: int) -> _Cohorts:
    """Exact, from one row per conversation (any filter, any zone)."""
    days = len(period.buckets())
    created = _Created(queries.created_rows(conn, period, filters), days, targets, now)
    resolved = queries.resolution_rows(conn, period, filters)
    resolutions: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for _day, agent, _duration, fcr in resolved:
        resolutions[agent][0] += 1
        resolutions[agent][1] += fcr
    return _Cohorts(
        total=created.total, frt=percentiles(created.frt), answered=len(created.frt), unanswered=created.unanswered,
        measured=created.measured, breached=created.breached, resolution=percentiles([r[2] for r in resolved]),
        n_resolved=len(resolved), n_fcr=sum(r[3] for r in resolved), per_day=created.per_day,
        by_intent=dict(created.by_intent), frt_days=[percentiles(v) for v in created.frt_by_day],
        resolution_days=[percentiles(v) for v in _by_day(resolved, days, 2)], assigned=dict(created.assigned),
        frt_median_by_agent={a: percentiles(v)[0] for a, v in created.frt_by_agent.items()},
        resolutions_by_agent=resolutions)


def _sla_summary(conn: Connection, period: Period, filters: Filters, targets: dict[str, int], now: int,
                 c: day_figures.Cohorts) -> tuple[int, int, int, int, int]:
    """What queries.created_summary counts, from the rollups plus the conversations still waiting (the rule of
    kpi.rules.sla_measured_breached: answered late, or waiting past the target now)."""
    unanswered, waiting_late = day_figures.waiting(conn, period, filters, targets, now)
    answered = c.frt.n
    return c.created, answered, unanswered, answered + waiting_late, c.late + waiting_late


def _from_rollups(conn: Connection, period: Period, filters: Filters, targets: dict[str, int],
                  now: int) -> _Cohorts:
    """From the daily rollups (deskapp.kpi.day_figures)."""
    c = day_figures.dashboard_cohorts(conn, period)
    total, answered, unanswered, measured, breached = _sla_summary(conn, period, filters, targets, now, c)
    return _Cohorts(
        total=total, frt=c.frt.percentiles(), answered=answered, unanswered=unanswered, measured=measured,
        breached=breached, resolution=c.resolved.percentiles(), n_resolved=c.resolved.n, n_fcr=c.fcr,
        per_day=c.created_by_bucket_channel, by_intent=c.by_intent,
        frt_days=c.frt_trend, resolution_days=c.resolved_trend, assigned=c.assigned,
        frt_median_by_agent=c.frt_median_by_agent, resolutions_by_agent=c.resolutions_by_agent)


def _add_full(conn: Connection, figures: dict, period: Period, filters: Filters, created: _Cohorts,
              surveys: _Surveys, raw: _RawReads, revenue_by_agent: dict, refunds_by_agent: dict) -> None:
    """The charts' figures: volume breakdowns, backlog and clocks now, trends, the agent table."""
    day_names = [d.isoformat() for d in period.buckets()]
    by_label = dict(raw.labels.result())
    by_channel: dict[str, int] = defaultdict(int)
    for counts in created.per_day:
        for channel, n in counts.items():
            by_channel[channel] += n
    figures["volume"].update({
        "granularity": period.granularity,  # by_day holds weeks or months for long periods
        "by_day": [{"day": d, "total": sum(c.values()), "channels": dict(sorted(c.items()))}
                   for d, c in zip(day_names, created.per_day, strict=True)],
        "by_channel": dict(sorted(by_channel.items())),
        "by_intent": dict(sorted(created.by_intent.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_label": dict(sorted(by_label.items(), key=lambda kv: (-kv[1], kv[0]))),
    })
    backlog = {name: 0 for name, _ in BACKLOG_BUCKETS}
    clocks = {"at_risk": 0, "breaching": 0}
    for bucket, state, n in raw.open.result():
        backlog[bucket] += n
        if state in clocks:
            clocks[state] += n
    figures["sla"].update({"at_risk": clocks["at_risk"], "breaching_now": clocks["breaching"]})
    figures["backlog"] = {"open": sum(backlog.values()),
                          "by_age": [{"bucket": k, "count": v} for k, v in backlog.items()]}
    frt_days, res_days = created.frt_days, created.resolution_days
    figures["trends"] = {
        "days": day_names,
        "granularity": period.granularity,
        "frt_median_s": [m for m, _ in frt_days], "frt_p90_s": [p for _, p in frt_days],
        "resolution_median_s": [m for m, _ in res_days], "resolution_p90_s": [p for _, p in res_days],
        "csat": [csat_of(v) for v in surveys.by_day["csat"]],
        "nps": [nps_of(v) for v in surveys.by_day["nps"]],
    }
    replies = raw.replies.result()
    figures["replies"] = sum(v for k, v in replies.items() if k is not None)
    figures["agents"] = _agent_table(conn, filters, created, replies, surveys, revenue_by_agent, refunds_by_agent)


def _agent_table(conn: Connection, filters: Filters, created: _Cohorts, replies: dict, surveys: _Surveys,
                 revenue_by_agent: dict, refunds_by_agent: dict) -> list[dict[str, Any]]:
    resolutions = created.resolutions_by_agent
    table = []
    for aid, name, email in queries.agents(conn, filters.agent_ids):
        n_resolved, n_fcr = resolutions.get(aid, (0, 0))
        table.append({"agent_id": aid, "name": name, "email": email, "assigned": created.assigned.get(aid, 0),
                      "replies": replies.get(aid, 0), "frt_median_s": created.frt_median_by_agent.get(aid),
                      "resolutions": n_resolved, "fcr": share(n_fcr, n_resolved),
                      "csat": csat_of(surveys.csat_by_agent.get(aid, [])),
                      "revenue_influenced": revenue_by_agent.get(aid, {"orders": 0, "amounts": {}}),
                      "refunds": refunds_by_agent.get(aid, {"count": 0, "amounts": {}})})
    return table

"""Reads the daily KPI rollups (deskapp.kpi.day_rollup) for ``compute``: the created and resolved cohorts
of a period from about a hundred rows per day and scope instead of one per conversation.

Counts and sums are exact (they add up by day); so are the SLA counts of the answered (the rows know the
targets they were made with); those still waiting are counted live, as their state moves with the clock.
Medians and p90s come from the summed histograms: exact below 32 s, otherwise the bucket's midpoint,
within 4.6% of the exact figure (buckets are 2**(1/8), about 9%, wide). Used only for large periods, when
the rows are cut in the period's own zone with the current targets and the filters select whole scopes;
anything else takes the exact path over kpi_conversation.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Connection

from deskapp.kpi import day_rollup
from deskapp.kpi.definitions import percentiles_at
from deskapp.kpi.period import Period
from deskapp.kpi.queries import rows
from deskapp.kpi.scope import Filters, conversation_where
from deskapp.store.schema_kpi_day import WAITING
from deskapp.store.sla_clock import target_sql

_EDGES = day_rollup.bucket_edges()
# Up to this many conversations created in the period, the exact path is about as fast (tens of ms): the
# figures stay exact where that is cheap, and the rollups answer for the large periods only.
EXACT_UP_TO = 5_000


def bucket_value(bucket: int) -> float:
    """The value a histogram bucket stands for: its second below 32 s, its midpoint above."""
    lo = _EDGES[bucket]
    if lo < day_rollup.EXACT_BELOW or bucket + 1 >= len(_EDGES):
        return float(lo)
    return (lo + _EDGES[bucket + 1] - 1) / 2


@dataclass
class Histogram:
    counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, bucket: int, n: int) -> None:
        self.counts[bucket] += n

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def percentiles(self) -> tuple[float | None, float | None]:
        """(median, p90) read from the cumulative counts, as definitions.percentiles reads sorted values."""
        ordered = sorted((b, c) for b, c in self.counts.items() if c > 0)
        total = sum(c for _, c in ordered)

        def value_at(rank: int) -> float:
            seen = 0
            for bucket, count in ordered:
                seen += count
                if rank < seen:
                    return bucket_value(bucket)
            raise IndexError(rank)

        return percentiles_at(total, value_at)


def scope_of(filters: Filters) -> tuple[str, tuple[str, ...]] | None:
    """The rollup scope and ids that select exactly what ``filters`` selects, or None (no such scope)."""
    if filters.labels:
        return None
    chosen = [(scope, values) for scope, values in (
        ("agent", filters.agent_ids), ("team", filters.team_ids), ("account", filters.account_ids),
        ("channel", filters.channels), ("intent", filters.intents)) if values]
    if not chosen:
        return "all", ()
    if len(chosen) > 1:
        return None
    scope, values = chosen[0]
    return scope, tuple(str(v) for v in values)


def usable(conn: Connection, period: Period, filters: Filters,
           targets: dict[str, int]) -> tuple[str, tuple[str, ...]] | None:
    """The scope to read, when the rollups can answer for ``period``, ``filters`` and ``targets`` and the
    period is large (more than EXACT_UP_TO conversations created in it)."""
    scope = scope_of(filters)
    if scope is None or not day_rollup.current(conn, period.tz.key, targets):
        return None
    name, ids = scope
    where, params = _scope_ids(ids)
    span, span_params = _span(name, period)
    created = rows(conn, f"SELECT total(n) FROM kpi_day WHERE {span} AND metric = 'created'{where}",
                   [*span_params, *params])[0][0]
    return scope if created > EXACT_UP_TO else None


def _scope_ids(ids: tuple[str, ...]) -> tuple[str, list]:
    if not ids:
        return "", []
    return f" AND scope_id IN ({','.join('?' * len(ids))})", list(ids)


def waiting(conn: Connection, period: Period, filters: Filters, targets: dict[str, int],
            now: int) -> tuple[int, int]:
    """(unanswered, of which past their SLA target now) among the conversations created in the period:
    the few still waiting for a first reply, read through their partial index."""
    where, params = conversation_where(filters)
    target, target_params = target_sql(targets, "k.channel")
    row = rows(conn, f"SELECT count(*), total(? - k.first_inbound_at > {target}) FROM kpi_conversation k"
                     f" INDEXED BY ix_kpi_conv_waiting WHERE {WAITING.replace('first_', 'k.first_')}"
                     f" AND k.created_at >= ? AND k.created_at < ?{where}",
               [now, *target_params, period.start, period.end, *params])[0]
    return int(row[0]), int(row[1])


def by_label(conn: Connection, period: Period) -> list[tuple[str, int]]:
    """(label, conversations created in the period with it), as queries.volume_by_label counts them unfiltered."""
    span, span_params = _span("label", period)
    return rows(conn, f"SELECT scope_id, sum(n) FROM kpi_day WHERE {span} AND metric = 'created' GROUP BY scope_id"
                      " HAVING sum(n) != 0", span_params)


@dataclass
class Cohorts:
    """What the figures need of the conversations created and resolved in a period."""

    created: int = 0
    late: int = 0  # answered after the SLA target
    frt: Histogram = field(default_factory=Histogram)
    resolved: Histogram = field(default_factory=Histogram)
    fcr: int = 0
    frt_trend: list[tuple[float | None, float | None]] = field(default_factory=list)  # per trend bucket
    resolved_trend: list[tuple[float | None, float | None]] = field(default_factory=list)
    created_by_bucket_channel: list[dict[str, int]] = field(default_factory=list)
    by_intent: dict[str, int] = field(default_factory=dict)
    assigned: dict[int | None, int] = field(default_factory=dict)
    frt_median_by_agent: dict[int | None, float | None] = field(default_factory=dict)
    resolutions_by_agent: dict[int | None, list[int]] = field(default_factory=dict)  # [resolved, fcr]


def _range(period: Period) -> tuple[int, int]:
    return period.first_day.toordinal(), period.end_day.toordinal()


def _span(scope: str, period: Period) -> tuple[str, list]:
    """SQL over kpi_day selecting ``scope`` in the period: whole months from the month rows, the days
    before and after them from the day rows."""
    first, end = period.first_day, period.end_day
    months_from = first if first.day == 1 else (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    months_to = end.replace(day=1)
    if months_from >= months_to:
        return "(scope = ? AND day >= ? AND day < ?)", [scope, first.toordinal(), end.toordinal()]
    return ("((scope = ? AND day >= ? AND day < ?) OR (scope = ? AND day >= ? AND day < ?)"
            " OR (scope = ? AND day >= ? AND day < ?))",
            [f"{scope}/m", months_from.toordinal(), months_to.toordinal(), scope, first.toordinal(),
             months_from.toordinal(), scope, months_to.toordinal(), end.toordinal()])


def headline_cohorts(conn: Connection, period: Period, scope: tuple[str, tuple[str, ...]]) -> Cohorts:
    """Created count, FRT and resolution histograms, FCR count of the scope over the period."""
    name, ids = scope
    where, params = _scope_ids(ids)
    span, span_params = _span(name, period)
    cohorts = Cohorts()
    for metric, bucket, n in rows(conn, f"SELECT metric, bucket, sum(n) FROM kpi_day WHERE {span}{where}"
                                        " GROUP BY metric, bucket", [*span_params, *params]):
        _add(cohorts, metric, bucket, n)
    return cohorts


def _add(cohorts: Cohorts, metric: str, bucket: int, n: int) -> None:
    if metric == "created":
        cohorts.created += n
    elif metric == "frt":
        cohorts.frt.add(bucket, n)
    elif metric == "resolved":
        cohorts.resolved.add(bucket, n)
    elif metric == "fcr":
        cohorts.fcr += n
    elif metric == "late":
        cohorts.late += n


def _agent(scope_id: str) -> int | None:
    return int(scope_id) if scope_id else None


def _bucket_case(starts: list[int]) -> tuple[str, list[int]]:
    """SQL giving the index of the trend bucket (Period.buckets, as day ordinals ``starts``) of ``day``."""
    def tree(lo: int, hi: int) -> tuple[str, list[int]]:
        if lo == hi:
            return str(lo), []
        mid = (lo + hi + 1) // 2
        low, low_params = tree(lo, mid - 1)
        high, high_params = tree(mid, hi)
        return f"(CASE WHEN day < ? THEN {low} ELSE {high} END)", [starts[mid], *low_params, *high_params]

    return tree(0, len(starts) - 1)


# The buckets holding the median's and p90's ranks (definitions.percentile_ranks) of each group, found by
# SQLite from running sums: a few rows per trend bucket instead of the whole histograms.
_AT_RANKS = """
SELECT g, metric, bucket, cum - n, cum, tot FROM (
    SELECT g, metric, bucket, n, sum(n) OVER (PARTITION BY g, metric ORDER BY bucket) AS cum,
           sum(n) OVER (PARTITION BY g, metric) AS tot
    FROM ({groups}) WHERE n > 0)
WHERE (cum - n <= tot / 2 AND tot / 2 < cum) OR (cum - n <= tot / 2 - 1 AND tot / 2 - 1 < cum)
   OR (cum - n <= (9 * tot + 9) / 10 - 1 AND (9 * tot + 9) / 10 - 1 < cum)
"""


def _percentiles_by_group(found: list[tuple]) -> dict[tuple, tuple[float | None, float | None]]:
    spans: dict[tuple, list[tuple[int, int, int]]] = defaultdict(list)
    totals: dict[tuple, int] = {}
    for group, metric, bucket, below, cum, total in found:
        spans[(group, metric)].append((below, cum, bucket))
        totals[(group, metric)] = total

    def at(key: tuple):
        def value_at(rank: int) -> float:
            return next(bucket_value(b) for below, cum, b in spans[key] if below <= rank < cum)
        return value_at

    return {key: percentiles_at(total, at(key)) for key, total in totals.items()}


def dashboard_cohorts(conn: Connection, period: Period) -> Cohorts:
    """Everything of the whole team (scope 'all'): tiles, trends by bucket, volume by channel and intent,
    and the agent table's columns."""
    first, end = _range(period)
    starts = [d.toordinal() for d in period.buckets()]
    buckets = len(starts)
    cohorts = Cohorts(created_by_bucket_channel=[defaultdict(int) for _ in range(buckets)])
    span, span_params = _span("all", period)
    for metric, bucket, n in rows(conn, f"SELECT metric, bucket, sum(n) FROM kpi_day WHERE {span}"
                                        " GROUP BY metric, bucket", span_params):
        _add(cohorts, metric, bucket, n)
    # the trends' histograms summed here from the day rows in key order: a window over them in SQLite
    # (as for the agents below) costs three times as much for a quarter's 12k rows
    trend: dict[tuple[int, str], Histogram] = defaultdict(Histogram)
    for day, metric, bucket, n in rows(conn, "SELECT day, metric, bucket, n FROM kpi_day WHERE scope = 'all'"
                                             " AND day >= ? AND day < ? AND metric IN ('frt', 'resolved') AND n != 0",
                                       [first, end]):
        trend[(bisect_right(starts, day) - 1, metric)].add(bucket, n)
    cohorts.frt_trend = [trend[(i, "frt")].percentiles() if (i, "frt") in trend else (None, None)
                         for i in range(buckets)]
    cohorts.resolved_trend = [trend[(i, "resolved")].percentiles() if (i, "resolved") in trend else (None, None)
                              for i in range(buckets)]
    case, case_params = _bucket_case(starts)
    for i, channel, n in rows(conn, f"SELECT {case} AS g, scope_id, sum(n) FROM kpi_day WHERE scope = 'channel'"
                                    " AND day >= ? AND day < ? AND metric = 'created' GROUP BY g, scope_id"
                                    " HAVING sum(n) != 0", [*case_params, first, end]):
        cohorts.created_by_bucket_channel[i][channel] = n
    span, span_params = _span("intent", period)
    cohorts.by_intent = {intent or "unknown": int(n) for intent, n in rows(
        conn, f"SELECT scope_id, sum(n) FROM kpi_day WHERE {span} AND metric = 'created' GROUP BY scope_id"
              " HAVING sum(n) != 0", span_params)}
    span, span_params = _span("agent", period)
    for scope_id, metric, n in rows(conn, f"SELECT scope_id, metric, sum(n) FROM kpi_day WHERE {span}"
                                          " AND metric IN ('created', 'resolved', 'fcr') GROUP BY scope_id, metric",
                                    span_params):
        agent = _agent(scope_id)
        if metric == "created":
            cohorts.assigned[agent] = n
        else:
            cohorts.resolutions_by_agent.setdefault(agent, [0, 0])[metric == "fcr"] += n
    frt_medians = _percentiles_by_group(rows(conn, _AT_RANKS.format(groups=(
        f"SELECT scope_id AS g, metric, bucket, sum(n) AS n FROM kpi_day WHERE {span} AND metric = 'frt'"
        " GROUP BY g, bucket")), span_params))
    cohorts.frt_median_by_agent = {_agent(g): pair[0] for (g, _m), pair in frt_medians.items()}
    return cohorts

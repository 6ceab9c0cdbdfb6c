"""The KPI rules as SQL expressions over ``kpi_conversation k``, shared by figures and drill-down.

Built with positional parameters, so a figure and the conversations behind it always select the same
rows: local day of a time (DST-correct, from the period's own day edges), SLA target by channel,
breached / at-risk states, backlog age buckets, FCR.
"""

from __future__ import annotations

from deskapp.domain.sla import AT_RISK_SHARE, RUNNING_STATUSES
from deskapp.kpi.definitions import BACKLOG_BUCKETS
from deskapp.kpi.period import Period
from deskapp.store.sla_clock import target_sql

FCR = "(k.human_replies = 1 AND k.reopened_7d = 0)"
ANSWERED = "(k.first_inbound_at IS NOT NULL AND k.first_reply_at IS NOT NULL)"
UNANSWERED = "(k.first_inbound_at IS NOT NULL AND k.first_reply_at IS NULL AND k.status != 'resolved')"
OPEN_STATUSES = RUNNING_STATUSES
OPEN = f"k.status IN ({', '.join(repr(s) for s in OPEN_STATUSES)})"


def day_case(period: Period, column: str) -> tuple[str, list[int]]:
    """SQL giving the index of the trend bucket (local day, week or month: Period.buckets) ``column`` falls
    in, for rows already inside the period.

    A balanced tree of CASEs over the bucket edges: about log2(buckets) comparisons per row.
    """
    edges = period.bucket_edges()[1:-1]  # edges[i] starts bucket i + 1

    def tree(lo: int, hi: int) -> tuple[str, list[int]]:  # the answer is in days lo..hi
        if lo == hi:
            return str(lo), []
        mid = (lo + hi + 1) // 2  # first day of the upper half
        low_sql, low_params = tree(lo, mid - 1)
        high_sql, high_params = tree(mid, hi)
        return f"(CASE WHEN {column} < ? THEN {low_sql} ELSE {high_sql} END)", [edges[mid - 1], *low_params,
                                                                                  *high_params]

    return tree(0, len(edges))


def target_case(targets: dict[str, int]) -> tuple[str, list]:
    """SQL giving the first-response target (seconds) of ``k.channel``."""
    return target_sql(targets, "k.channel")


def sla_measured_breached(targets: dict[str, int], now: int) -> tuple[tuple[str, list], tuple[str, list]]:
    """((measured SQL, params), (breached SQL, params)): booleans over the created cohort.

    Measured: answered, or unanswered, unresolved and past target. Breached: answered later than the
    target, or unanswered, unresolved and past it. Resolved-without-reply is never measured.
    """
    target, tparams = target_case(targets)
    late_open = f"(k.first_reply_at IS NULL AND k.status != 'resolved' AND ? - k.first_inbound_at > {target})"
    measured = f"(k.first_inbound_at IS NOT NULL AND (k.first_reply_at IS NOT NULL OR {late_open}))"
    breached = (f"(k.first_inbound_at IS NOT NULL AND ((k.first_reply_at IS NOT NULL AND"
                f" k.first_reply_at - k.first_inbound_at > {target}) OR {late_open}))")
    return (measured, [now, *tparams]), (breached, [*tparams, now, *tparams])


def clock_case(targets: dict[str, int], now: int) -> tuple[str, list]:
    """For open conversations: 'breaching', 'at_risk' or NULL (no clock running, or plenty of time left).

    Reads the deadline the cache keeps (``sla_due_at``, NULL once a human replied, a reply waiting in the
    outbox included): the rule of deskapp.domain.sla.clock_state, which the inbox's SLA chip follows.
    """
    target, tparams = target_case(targets)
    sql = (f"(CASE WHEN k.sla_due_at IS NULL THEN NULL"
           f" WHEN ? > k.sla_due_at THEN 'breaching'"
           f" WHEN ? - (k.sla_due_at - {target}) >= {AT_RISK_SHARE} * {target} THEN 'at_risk' END)")
    return sql, [now, now, *tparams, *tparams]


def age_case(now: int) -> tuple[str, list]:
    """The backlog age bucket name of ``k.created_at``."""
    whens, params = [], []
    for name, limit in BACKLOG_BUCKETS[:-1]:
        whens.append("WHEN ? - k.created_at < ? THEN ?")
        params += [now, limit, name]
    return f"(CASE {' '.join(whens)} ELSE ? END)", [*params, BACKLOG_BUCKETS[-1][0]]

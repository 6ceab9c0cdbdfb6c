"""The KPI vocabulary for every layer: formulas shown on hover, statistics (SLA targets: domain.sla).

Percentiles are exact over the period's values: the median averages the two middle values when the
count is even; p90 is nearest-rank (the smallest value with at least 90 % of values at or below it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

SETTING_TIMEZONE = "kpi.timezone"
SETTING_SUPERVISOR = "kpi.supervisor"  # "1" shows Team performance whatever the account role says
CONTACT_WINDOW_S = 30 * 86400
INFLUENCE_WINDOW_S = 3 * 86400  # an order this soon after an agent's reply counts as influenced by it

BACKLOG_BUCKETS: tuple[tuple[str, int], ...] = (
    ("under 1 h", 3600), ("1–4 h", 4 * 3600), ("4–24 h", 86400), ("1–3 d", 3 * 86400),
    ("3–7 d", 7 * 86400), ("over 7 d", 10**12),
)

# "Human reply" throughout: a public outgoing message written by a person. Bot and AI-assistant replies,
# automation-rule and campaign messages, templates (greeting, CSAT survey), notes and activity notices never
# count: not as a first response, not in FCR, the agent table or the SLA clocks.
FORMULAS: dict[str, str] = {
    "frt": "First response time, per conversation created in the period: first public human reply (never a bot, "
           "an automation, a campaign or template message, a note or an activity notice) − first inbound "
           "message, computed from the messages. Median and p90 (nearest rank).",
    "unanswered": "Conversations created in the period with an inbound message, no public human reply yet "
                  "(a bot's answer does not count), and not resolved.",
    "resolution": "Resolution time, per conversation resolved in the period (status resolved, resolved_at in "
                  "the period): resolved_at − created_at, where resolved_at is the last resolution the service "
                  "recorded (Chatwoot: its \"marked resolved\" notice), never the last update. Median and p90 "
                  "(nearest rank).",
    "fcr": "First contact resolution: conversations resolved in the period with exactly one public human "
           "reply (bot replies not counted) and no reopening within 7 days of a resolution (a reopening notice, "
           "or a customer message after it) ÷ conversations resolved in the period.",
    "csat": "CSAT: survey answers (1–5) in the period scoring 4 or 5 ÷ all CSAT answers 1–5 in the period.",
    "nps": "NPS: share of promoters (9–10) − share of detractors (0–6) among NPS answers 0–10 in the period "
           "(a fraction from −1 to 1).",
    "ces": "CES: mean customer effort score (1–7, 7 = very easy) of answers in the period.",
    "contact_rate": "Contact rate: orders placed in the period whose customer opened a conversation within "
                    "30 days after the order ÷ orders placed in the period (shop-wide; channel filter applies "
                    "to the conversations).",
    "sla_breach_rate": "SLA breach rate: conversations created in the period whose first human response took "
                       "longer than the channel's target (or are unanswered past it) ÷ those answered or past "
                       "target. Resolved-without-reply conversations are not counted; a bot's answer does not "
                       "stop the clock.",
    "sla_at_risk": "At risk now: conversations not resolved whose first-response clock runs (an inbound message, "
                   "no human reply after it yet; a reply waiting in the outbox stops the clock), with at least half "
                   "of their channel's target used up and the deadline (first inbound message + target) not yet "
                   "passed. The inbox's amber SLA chips.",
    "sla_breaching": "Breaching now: conversations not resolved whose first-response clock runs past its deadline "
                     "(first inbound message + the channel's target). The inbox's red SLA chips.",
    "volume": "Conversations created in the period, by local day of creation × channel.",
    "intent": "Conversations created in the period, by triaged intent.",
    "label": "Conversations created in the period, by label (a conversation counts once per label).",
    "backlog": "Open now (open, pending or snoozed), by age since creation.",
    "assigned": "Conversations created in the period and assigned to the agent.",
    "replies": "Public human replies the agent sent in the period (bots and automations are not agents).",
    "resolutions": "Conversations resolved in the period and assigned to the agent.",
    "revenue_influenced": "Revenue influenced: the totals (per currency) of orders placed in the period, not "
                          "cancelled, within 3 days after a public human reply in a conversation of the same "
                          "customer (conversation filters apply to that conversation). Each order counts once, "
                          "for the author of the latest such reply (the conversation's assignee when the author "
                          "is unknown). Reply times are known to the quarter hour.",
    "refunds": "Refunds issued: the refunds the shop recorded in the period (count, and amount per currency), "
               "per agent. A refund deskapp made carries its outbox id in the refund's note; when this "
               "profile queued it, it counts for the agent who queued it. Any other refund (made in the "
               "shop's admin, or by a colleague's deskapp) counts for the agent assigned to the customer's "
               "latest conversation created before the refund; with none, for nobody. Of the filters only the "
               "agent applies.",
}


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)])


def percentiles(values: Sequence[float]) -> tuple[float | None, float | None]:
    """(median, p90) with one sort."""
    ordered = sorted(values)
    return percentiles_at(len(ordered), ordered.__getitem__)


def percentile_ranks(n: int) -> tuple[int, ...]:
    """The positions (0-based, ascending order) that the median and p90 of ``n`` values read: lets SQLite
    sort and hand back two or three values instead of all of them."""
    if n == 0:
        return ()
    mid = n // 2
    return tuple(sorted({mid, mid - 1 if n % 2 == 0 else mid, max(0, math.ceil(0.9 * n) - 1)}))


def percentiles_at(n: int, value_at: Callable[[int], float]) -> tuple[float | None, float | None]:
    """(median, p90) of ``n`` values given the value at each of ``percentile_ranks(n)`` in ascending order."""
    if n == 0:
        return None, None
    mid = n // 2
    middle = float(value_at(mid)) if n % 2 else (value_at(mid - 1) + value_at(mid)) / 2
    return middle, float(value_at(max(0, math.ceil(0.9 * n) - 1)))


def share(part: float, whole: int) -> float | None:
    return part / whole if whole else None


def csat_of(scores: Sequence[int]) -> float | None:
    valid = [s for s in scores if 1 <= s <= 5]
    return share(sum(1 for s in valid if s >= 4), len(valid))


def nps_of(scores: Sequence[int]) -> float | None:
    valid = [s for s in scores if 0 <= s <= 10]
    return nps_from_counts(sum(1 for s in valid if s >= 9), sum(1 for s in valid if s <= 6), len(valid))


def nps_from_counts(promoters: int, detractors: int, valid: int) -> float | None:
    return (promoters - detractors) / valid if valid else None


def ces_of(scores: Sequence[int]) -> float | None:
    valid = [s for s in scores if 1 <= s <= 7]
    return share(sum(valid), len(valid))

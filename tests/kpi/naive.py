"""A deliberately naive KPI computation: reads every message and event, no rollups, no shared code.

Used by the rollup-equivalence test and as the full-scan baseline of the benchmark.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

CHAT = {"web_chat", "whatsapp", "telegram", "api"}
SOCIAL = {"instagram", "messenger", "sms"}


def _target(channel: str) -> int:
    return 120 if channel in CHAT else 3600 if channel in SOCIAL else 43200


def _nearest_rank_p90(values):
    return float(sorted(values)[math.ceil(0.9 * len(values)) - 1]) if values else None


def _median(values):
    return float(statistics.median(values)) if values else None


def naive_frt_per_conversation(conn: Connection, start: int, end: int) -> dict[int, int | None]:
    """First response time of each conversation created in [start, end) with an inbound message, by a
    single grouped query straight over the message table (the benchmark's full-scan baseline)."""
    rows = conn.exec_driver_sql(
        "SELECT c.id, min(CASE WHEN m.direction = 'in' THEN m.sent_at END) AS first_in,"
        " group_concat(CASE WHEN m.direction = 'out' AND m.automated = 0"
        "   AND m.delivery NOT IN ('queued', 'sending', 'failed') THEN m.sent_at END) AS replies"
        " FROM conversation c JOIN message m ON m.conversation_id = c.id"
        " WHERE c.created_at >= ? AND c.created_at < ? GROUP BY c.id", (start, end)).all()
    result = {}
    for cid, first_in, replies in rows:
        if first_in is None:
            continue
        after = [int(x) for x in (replies or "").split(",") if x and int(x) >= first_in]
        result[cid] = (min(after) - first_in) if after else None
    return result


def naive_figures(conn: Connection, start: int, end: int, tz: str, now: int) -> dict:
    zone = ZoneInfo(tz)
    convs = {r[0]: r for r in conn.exec_driver_sql(
        "SELECT id, created_at, channel, status, resolved_at, assignee_id, customer_id FROM conversation")}
    agents_by_ext = {(r[1], r[2]): r[0] for r in conn.exec_driver_sql("SELECT id, account_id, external_id FROM agent")}
    first_in: dict[int, int] = {}
    pub: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for cid, account, direction, sent_at, automated, delivery, author in conn.exec_driver_sql(
            "SELECT conversation_id, account_id, direction, sent_at, automated, delivery, author_external_id"
            " FROM message"):
        if direction == "in":
            first_in[cid] = min(first_in.get(cid, sent_at), sent_at)
        elif direction == "out" and not automated and delivery not in ("queued", "sending", "failed"):
            pub[cid].append((sent_at, agents_by_ext.get((account, author))))
    events = defaultdict(list)
    for cid, kind, at in conn.exec_driver_sql("SELECT conversation_id, kind, at FROM conversation_event"):
        events[cid].append((kind, at))

    def reopened(cid):
        res = [at for k, at in events[cid] if k == "resolved"]
        return any(k == "reopened" and any(r < at <= r + 7 * 86400 for r in res) for k, at in events[cid])

    frt, unanswered, measured, breached = [], 0, 0, 0
    volume_by_day: dict[str, int] = defaultdict(int)
    for cid, (_, created, channel, status, _r, _a, _c) in convs.items():
        if not start <= created < end:
            continue
        volume_by_day[datetime.fromtimestamp(created, zone).date().isoformat()] += 1
        if cid not in first_in:
            continue
        replies = sorted(t for t, _ in pub[cid] if t >= first_in[cid])
        if replies:
            frt.append(replies[0] - first_in[cid])
            measured += 1
            breached += replies[0] - first_in[cid] > _target(channel)
        elif status != "resolved":
            unanswered += 1
            if now - first_in[cid] > _target(channel):
                measured += 1
                breached += 1
    durations, fcr = [], 0
    for cid, (_, created, _ch, status, resolved_at, _a, _c) in convs.items():
        if status == "resolved" and resolved_at is not None and start <= resolved_at < end:
            durations.append(resolved_at - created)
            fcr += len(pub[cid]) == 1 and not reopened(cid)
    replies_by_agent: dict[int | None, int] = defaultdict(int)
    for cid, items in pub.items():
        for at, agent in items:
            if start <= at < end:
                replies_by_agent[agent if agent is not None else convs[cid][5]] += 1
    scores = defaultdict(list)
    for kind, score in conn.exec_driver_sql("SELECT kind, score FROM survey_response WHERE at >= ? AND at < ?",
                                            (start, end)):
        scores[kind].append(score)
    csat = [s for s in scores["csat"] if 1 <= s <= 5]
    orders = [r for r in conn.exec_driver_sql('SELECT customer_id, placed_at FROM "order"') if start <= r[1] < end]
    contacted = sum(1 for cust, placed in orders if any(
        c[6] == cust and cust is not None and placed <= c[1] < placed + 30 * 86400 for c in convs.values()))
    return {
        "frt": {"median_s": _median(frt), "p90_s": _nearest_rank_p90(frt), "unanswered": unanswered},
        "resolution": {"median_s": _median(durations), "p90_s": _nearest_rank_p90(durations)},
        "fcr": fcr / len(durations) if durations else None,
        "csat": sum(1 for s in csat if s >= 4) / len(csat) if csat else None,
        "contact_rate": contacted / len(orders) if orders else None,
        "sla_breach_rate": breached / measured if measured else None,
        "volume_by_day": dict(volume_by_day),
        "replies_by_agent": {k: v for k, v in replies_by_agent.items() if k is not None},
    }

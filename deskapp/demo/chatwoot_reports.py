"""The demo hub's reports API v2 (ReportsController, SummaryReportsController), computed from the demo
state the way Chatwoot computes them: from reporting events its ReportingEventListener would have written.

The events are derived from the messages (demo/reporting_events.py); each is created when its message is, so
`created_at` filters them. The range is `since...until` (DateRangeHelper: both needed, else nothing matches);
averages are floats (Rails 7 keeps a float column's
type), 0 in a summary and null in a group line when nothing was measured. Business hours are not modelled:
every inbox works around the clock, so `value_in_business_hours` equals `value`.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from deskapp.demo.chatwoot_common import EMPTY, NOT_FOUND, Answer, ApiError, param
from deskapp.demo.reporting_events import facts
from deskapp.demo.state import INCOMING, OUTGOING, DemoState

AGENT_RESULTS_PER_PAGE = 25  # V2::ReportBuilder::AGENT_RESULTS_PER_PAGE
AVERAGES = {"avg_first_response_time": "first_response", "avg_resolution_time": "conversation_resolved",
            "reply_time": "reply_time"}
COUNTS = ("conversations_count", "incoming_messages_count", "outgoing_messages_count", "resolutions_count")
PERIODS = ("day", "week", "month", "year", "hour")  # groupdate's `permit:`


# --- parameters ----------------------------------------------------------------------------------------

def _range(q: dict) -> tuple[int, int] | None:
    """`since...until` from Unix-second strings; None (nothing matches) when either is missing or garbled."""
    try:
        since, until = int(param(q, "since") or ""), int(param(q, "until") or "")
    except ValueError:
        return None
    return since, until


def _in(at: int, window: tuple[int, int] | None) -> bool:
    return window is not None and window[0] <= at < window[1]


def _scope(state: DemoState, q: dict) -> tuple[str, int | None]:
    """(type, id) with the id checked like `account.<things>.find(id)` (404 when it names nothing)."""
    kind = param(q, "type") or ""
    if kind == "account":
        return kind, None
    sizes = {"agent": len(state.world.agents), "inbox": len(state.world.inboxes), "team": len(state.world.teams),
             "label": len(state.world.labels)}
    if kind not in sizes:
        raise ApiError.internal()  # `scope` is nil: NoMethodError on nil
    raw = param(q, "id") or ""
    if not raw.isdigit() or not 1 <= int(raw) <= sizes[kind]:
        raise ApiError(404, NOT_FOUND)
    return kind, int(raw)


def _conversation_keep(state: DemoState, kind: str, oid: int | None) -> Any:
    if kind == "account":
        return lambda c: True
    if kind == "agent":
        return lambda c: c.assignee_id == oid
    if kind == "inbox":
        return lambda c: c.inbox_id == oid
    if kind == "team":
        return lambda c: c.team_id == oid
    title = state.world.labels[oid - 1]["title"] if oid else ""
    return lambda c: title in c.labels


def _scoped(state: DemoState, kind: str, oid: int | None, rows: Iterable[Any], *, messages: bool) -> list[Any]:
    """The events or messages of one scope: a user's own (`user.messages`, `user.reporting_events`), an
    inbox's, a team's or label's through their conversations."""
    if kind == "account":
        return list(rows)
    if kind == "agent":
        return [r for r in rows if (r.sender_id if messages else r.user_id) == oid]
    if kind == "inbox":
        return [r for r in rows if r.inbox_id == oid]
    if kind == "team":
        return [r for r in rows if r.team_id == oid]
    keep = _conversation_keep(state, kind, oid)
    ids = {c.id for c in state.conversations if keep(c)}
    return [r for r in rows if r.conversation_id in ids]


def _average(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _summary_of(state: DemoState, kind: str, oid: int | None, window: tuple[int, int] | None) -> dict[str, Any]:
    f = facts(state)
    keep = _conversation_keep(state, kind, oid)
    events = [e for e in _scoped(state, kind, oid, f.events, messages=False) if _in(e.created_at, window)]
    msgs = [m for m in _scoped(state, kind, oid, f.messages, messages=True) if _in(m.created_at, window)]

    def avg(name: str) -> float:
        found = _average([e.value for e in events if e.name == name])
        return 0 if found is None else found

    return {"conversations_count": sum(1 for c in state.conversations if keep(c) and _in(c.created_at, window)),
            "incoming_messages_count": sum(1 for m in msgs if m.message_type == INCOMING),
            "outgoing_messages_count": sum(1 for m in msgs if m.message_type == OUTGOING),
            "avg_first_response_time": avg("first_response"), "avg_resolution_time": avg("conversation_resolved"),
            "resolutions_count": sum(1 for e in events if e.name == "conversation_resolved"),
            "reply_time": avg("reply_time")}


# --- handlers ------------------------------------------------------------------------------------------

def _administrators_only(state: DemoState, me: int) -> None:
    if not state.is_admin(me):  # check_authorization: Pundit::NotAuthorizedError, a 401
        raise ApiError.not_authorized()


def summary(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    """GET reports/summary: this range's figures, and `previous` for the range of the same length before."""
    _administrators_only(state, me)
    kind, oid = _scope(state, q)
    window = _range(q)
    out = _summary_of(state, kind, oid, window)
    previous = None if window is None else (2 * window[0] - window[1], window[0])
    out["previous"] = _summary_of(state, kind, oid, previous)
    return 200, out


def _period_start(at: int, group_by: str, offset: int) -> int:
    """The start (Unix s) of the period holding `at`, periods cut in a fixed UTC offset of `offset` seconds."""
    local = datetime.fromtimestamp(at + offset, UTC)
    if group_by == "hour":
        start = local.replace(minute=0, second=0, microsecond=0)
    elif group_by == "day":
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    elif group_by == "week":  # groupdate's default week starts on Sunday
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        start = datetime.fromtimestamp(day.timestamp() - ((day.weekday() + 1) % 7) * 86400, UTC)
    elif group_by == "month":
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    else:
        start = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return calendar.timegm(start.timetuple()) - offset


def _next_period(start: int, group_by: str, offset: int) -> int:
    step = {"hour": 3600, "day": 86400, "week": 7 * 86400}.get(group_by)
    if step:
        return start + step
    return _period_start(start + 32 * 86400 if group_by == "month" else start + 367 * 86400, group_by, offset)


def timeseries(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    """GET reports: one metric per period, every period of the range present (groupdate's default 0)."""
    _administrators_only(state, me)
    kind, oid = _scope(state, q)
    metric = param(q, "metric")
    if not metric:
        return 200, {}  # "Invalid metric - metric is nil": an empty object
    if metric not in COUNTS and metric not in AVERAGES:
        raise ApiError.internal()  # `send(metric)`: NoMethodError
    group_by = param(q, "group_by") or "day"
    if group_by not in PERIODS:
        raise ApiError.internal()  # groupdate: ArgumentError "Unpermitted period"
    window = _range(q)
    if window is None or window[1] <= window[0]:
        return 200, []
    try:
        offset = round(float(param(q, "timezone_offset") or 0) * 3600)
    except ValueError:
        offset = 0
    buckets: dict[int, list[int]] = defaultdict(list)
    for at, value in _metric_rows(state, kind, oid, metric, window):
        buckets[_period_start(at, group_by, offset)].append(value)
    out = []
    start = _period_start(window[0], group_by, offset)
    while start < window[1]:
        values = buckets.get(start, [])
        if metric in AVERAGES:
            average = _average(values)
            out.append({"value": 0 if average is None else average, "timestamp": start, "count": len(values)})
        else:
            out.append({"value": len(values), "timestamp": start})
        start = _next_period(start, group_by, offset)
    return 200, out


def _metric_rows(state: DemoState, kind: str, oid: int | None, metric: str,
                 window: tuple[int, int]) -> list[tuple[int, int]]:
    """(created_at, value) of what one metric counts or averages, inside the window."""
    f = facts(state)
    if metric == "conversations_count":
        keep = _conversation_keep(state, kind, oid)
        rows = [(c.created_at, 1) for c in state.conversations if keep(c)]
    elif metric in ("incoming_messages_count", "outgoing_messages_count"):
        wanted = INCOMING if metric.startswith("incoming") else OUTGOING
        rows = [(m.created_at, 1) for m in _scoped(state, kind, oid, f.messages, messages=True)
                if m.message_type == wanted]
    else:
        name = "conversation_resolved" if metric == "resolutions_count" else AVERAGES[metric]
        rows = [(e.created_at, e.value) for e in _scoped(state, kind, oid, f.events, messages=False)
                if e.name == name]
    return [r for r in rows if _in(r[0], window)]


def _group_lines(state: DemoState, q: dict, ids: list[int], conv_key: str, event_key: str) -> list[dict]:
    window = _range(q)
    conversations: dict[Any, int] = defaultdict(int)
    for c in state.conversations:
        if _in(c.created_at, window):
            conversations[getattr(c, conv_key)] += 1
    values: dict[tuple[Any, str], list[int]] = defaultdict(list)
    for e in facts(state).events:
        if _in(e.created_at, window):
            values[(getattr(e, event_key), e.name)].append(e.value)
    return [{"id": i, "conversations_count": conversations.get(i, 0),
             "resolved_conversations_count": len(values.get((i, "conversation_resolved"), [])),
             "avg_resolution_time": _average(values.get((i, "conversation_resolved"), [])),
             "avg_first_response_time": _average(values.get((i, "first_response"), [])),
             "avg_reply_time": _average(values.get((i, "reply_time"), []))} for i in ids]


def agent_summary(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    """GET summary_reports/agent: every member of the account, by the events' user and the assignee."""
    _administrators_only(state, me)
    return 200, _group_lines(state, q, [a["id"] for a in state.world.agents], "assignee_id", "user_id")


def team_summary(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    _administrators_only(state, me)
    return 200, _group_lines(state, q, [t["id"] for t in state.world.teams], "team_id", "team_id")


def inbox_summary(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    _administrators_only(state, me)
    return 200, _group_lines(state, q, [b["id"] for b in state.world.inboxes], "inbox_id", "inbox_id")


def _live(convs: list[Any], *, account: bool) -> dict[str, int]:
    open_ = [c for c in convs if c.status == "open"]
    out = {"open": len(open_),  # unattended: never answered, or waiting for an answer now
           "unattended": sum(1 for c in open_ if c.first_reply_at is None or c.waiting_since is not None)}
    if account:
        out["unassigned"] = sum(1 for c in open_ if c.assignee_id is None)
    return out


def conversations(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    """GET reports/conversations: the open conversations now, for the account or per agent (25 a page,
    busiest first, with each agent's availability)."""
    _administrators_only(state, me)
    kind = param(q, "type")
    if not kind:
        return 422, EMPTY
    if kind == "account":
        return 200, _live(state.conversations, account=True)
    page = max(1, int(param(q, "page") or 1)) if (param(q, "page") or "1").isdigit() else 1
    agents = state.world.agents[(page - 1) * AGENT_RESULTS_PER_PAGE: page * AGENT_RESULTS_PER_PAGE]
    mine: dict[int | None, list[Any]] = defaultdict(list)
    for c in state.conversations:
        mine[c.assignee_id].append(c)
    rows = [{"id": a["id"], "name": a["name"], "email": a["email"], "thumbnail": "",
             "availability": a.get("availability", "online"), "metric": _live(mine.get(a["id"], []), account=False)}
            for a in agents]
    return 200, sorted(rows, key=lambda r: r["metric"]["open"])[::-1]  # Ruby's sort_by(...).reverse

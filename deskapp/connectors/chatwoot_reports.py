"""Chatwoot's reports API v2 for the services: account/agent/team/inbox summaries and time series, read
as a Chatwoot server answers them (V2::ReportBuilder, V2::Reports::*SummaryBuilder, ReportsController).

Units are the server's: durations in seconds (averages of reporting events, a float or, from servers that
send BigDecimal, a numeric string), `since`/`until` Unix seconds (the range is `since...until`),
timestamps Unix seconds at the start of each period in the asked `timezone_offset` (hours). The reports
are for administrators: anyone else gets Pundit's refusal, a 401 with "You are not authorized to do this
action" (the published spec says 403; both mean the same here), raised as ReportsRefused, while a bad token
stays an AuthError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deskapp.connectors.base import AuthError, PayloadError
from deskapp.connectors.http import HttpClient, HttpStatusError, decode_json

SUMMARY_METRICS = ("conversations_count", "incoming_messages_count", "outgoing_messages_count",
                   "avg_first_response_time", "avg_resolution_time", "resolutions_count", "reply_time")
AVERAGE_METRICS = frozenset({"avg_first_response_time", "avg_resolution_time", "reply_time"})
TIMESERIES_METRICS = frozenset(SUMMARY_METRICS)
REPORT_TYPES = ("account", "agent", "inbox", "team", "label")
GROUP_BY = ("hour", "day", "week", "month", "year")
GROUP_FIELDS = ("conversations_count", "resolved_conversations_count", "avg_resolution_time",
                "avg_first_response_time", "avg_reply_time")
NOT_ALLOWED = "You are not authorized to do this action"  # Pundit::NotAuthorizedError's body


class ReportsRefused(AuthError):
    """The token works but its user may not read reports (not an administrator of the account)."""


@dataclass(frozen=True)
class Point:
    """One period of a time series: its start (Unix s), the value, and for averages how many events."""

    timestamp: int
    value: float
    count: int | None = None


@dataclass(frozen=True)
class GroupFigures:
    """One agent's, team's or inbox's line of a summary report (None: no event in the range)."""

    id: int
    conversations_count: int
    resolved_conversations_count: int
    avg_resolution_time: float | None
    avg_first_response_time: float | None
    avg_reply_time: float | None


def _number(value: Any, what: str, *, nullable: bool = False) -> float | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool):
        raise PayloadError(f"{what}: {value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):  # BigDecimal#as_json is a string
        try:
            return float(value)
        except ValueError:
            pass
    raise PayloadError(f"{what}: {value!r} is not a number")


def _count(value: Any, what: str) -> int:
    number = _number(0 if value is None else value, what)
    assert number is not None
    if number < 0 or number != int(number):
        raise PayloadError(f"{what}: {value!r} is not a count")
    return int(number)


def parse_summary(body: Any, what: str = "summary") -> dict[str, float]:
    """The seven summary figures of one period (counts as whole numbers, averages in seconds)."""
    if not isinstance(body, Mapping):
        raise PayloadError(f"{what}: expected an object, got {type(body).__name__}")
    out: dict[str, float] = {}
    for name in SUMMARY_METRICS:
        if name not in body:
            raise PayloadError(f"{what}: no {name}")
        if name in AVERAGE_METRICS:
            value = _number(body[name], f"{what}.{name}")
            assert value is not None
            out[name] = value
        else:
            out[name] = _count(body[name], f"{what}.{name}")
    return out


def parse_groups(body: Any, what: str) -> list[GroupFigures]:
    if not isinstance(body, list):
        raise PayloadError(f"{what}: expected a list, got {type(body).__name__}")
    rows = []
    for i, item in enumerate(body):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), int):
            raise PayloadError(f"{what}[{i}]: expected an object with an id")
        rows.append(GroupFigures(
            item["id"], _count(item.get("conversations_count"), f"{what}[{i}].conversations_count"),
            _count(item.get("resolved_conversations_count"), f"{what}[{i}].resolved_conversations_count"),
            *(_number(item.get(f), f"{what}[{i}].{f}", nullable=True) for f in GROUP_FIELDS[2:])))
    return rows


def parse_timeseries(body: Any, what: str) -> list[Point]:
    if not isinstance(body, list):
        raise PayloadError(f"{what}: expected a list, got {type(body).__name__}")
    points = []
    for i, item in enumerate(body):
        if not isinstance(item, Mapping) or "timestamp" not in item or "value" not in item:
            raise PayloadError(f"{what}[{i}]: expected {{value, timestamp}}")
        value = _number(item["value"], f"{what}[{i}].value")
        assert value is not None
        count = _count(item["count"], f"{what}[{i}].count") if item.get("count") is not None else None
        points.append(Point(_count(item["timestamp"], f"{what}[{i}].timestamp"), value, count))
    return points


class ChatwootReports:
    """The reports of one Chatwoot account over ``http`` (signed with a token allowed to read them). A report
    is one request, retried on 429/5xx/timeouts by the shared HTTP layer as ``http``'s policy says."""

    def __init__(self, http: HttpClient, account_id: int | str) -> None:
        self.http = http
        self.prefix = f"/api/v2/accounts/{account_id}"
        self.v1 = f"/api/v1/accounts/{account_id}"

    def close(self) -> None:
        self.http.close()

    def _get(self, path: str, params: dict[str, Any], *, v1: bool = False) -> Any:
        what = f"GET {path}"
        try:
            response = self.http.request("GET", (self.v1 if v1 else self.prefix) + path, params=params)
        except AuthError as exc:
            if NOT_ALLOWED in (exc.body or ""):
                raise ReportsRefused(f"{what}: reports are for administrators of the account",
                                     status=exc.status, body=exc.body) from exc
            raise
        if not 200 <= response.status_code < 300:
            raise HttpStatusError(f"{what}: HTTP {response.status_code}", response=response)
        return decode_json(response, what)

    @staticmethod
    def _window(since: int, until: int, business_hours: bool) -> dict[str, Any]:
        if until <= since:
            raise ValueError(f"empty report range {since}...{until}")
        params: dict[str, Any] = {"since": str(int(since)), "until": str(int(until))}
        if business_hours:
            params["business_hours"] = "true"
        return params

    def summary(self, since: int, until: int, *, type: str = "account", id: int | None = None,
                business_hours: bool = False) -> tuple[dict[str, float], dict[str, float]]:
        """(this period's figures, the figures of the period of the same length just before)."""
        if type not in REPORT_TYPES:
            raise ValueError(f"unknown report type {type!r}")
        params = {"type": type, **self._window(since, until, business_hours)}
        if id is not None:
            params["id"] = str(id)
        body = self._get("/reports/summary", params)
        current = parse_summary(body, "reports/summary")
        previous = parse_summary(body.get("previous"), "reports/summary.previous")
        return current, previous

    def timeseries(self, metric: str, since: int, until: int, *, type: str = "account", id: int | None = None,
                   group_by: str = "day", timezone_offset: float = 0.0, business_hours: bool = False,
                   ) -> list[Point]:
        """One metric per period (`GET reports`), every period of the range present (0 when empty)."""
        if metric not in TIMESERIES_METRICS:
            raise ValueError(f"unknown report metric {metric!r}")
        if group_by not in GROUP_BY or type not in REPORT_TYPES:
            raise ValueError(f"unknown grouping {group_by!r} or type {type!r}")
        params = {"metric": metric, "type": type, "group_by": group_by,
                  "timezone_offset": f"{timezone_offset:g}", **self._window(since, until, business_hours)}
        if id is not None:
            params["id"] = str(id)
        return parse_timeseries(self._get("/reports", params), f"reports?metric={metric}")

    def group_summaries(self, kind: str, since: int, until: int, *, business_hours: bool = False,
                        ) -> list[GroupFigures]:
        """Every agent's, team's or inbox's figures (`summary_reports/agent|team|inbox`)."""
        if kind not in ("agent", "team", "inbox"):
            raise ValueError(f"no summary report per {kind!r}")
        return parse_groups(self._get(f"/summary_reports/{kind}", self._window(since, until, business_hours)),
                            f"summary_reports/{kind}")

    def live_counts(self) -> dict[str, int]:
        """The account's open conversations now: open, unattended, unassigned (`reports/conversations`)."""
        body = self._get("/reports/conversations", {"type": "account"})
        if not isinstance(body, Mapping):
            raise PayloadError("reports/conversations: expected an object")
        return {k: _count(body.get(k), f"reports/conversations.{k}") for k in ("open", "unattended", "unassigned")}

    def names(self, kind: str) -> dict[int, dict[str, Any]]:
        """The account's teams or agents by id (`GET /api/v1/accounts/:id/teams|agents`): name, and for agents
        their availability (online | busy | offline)."""
        if kind not in ("teams", "agents"):
            raise ValueError(f"no directory of {kind!r}")
        body = self._get(f"/{kind}", {}, v1=True)
        if not isinstance(body, list):
            raise PayloadError(f"{kind}: expected a list, got {type(body).__name__}")
        out: dict[int, dict[str, Any]] = {}
        for item in body:
            if isinstance(item, Mapping) and isinstance(item.get("id"), int):
                out[item["id"]] = {"name": str(item.get("name") or f"#{item['id']}"),
                                   "availability": str(item.get("availability_status") or "")}
        return out

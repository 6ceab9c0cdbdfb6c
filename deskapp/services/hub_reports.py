"""Team figures from the hub (Chatwoot's reports API v2) beside what this computer's cache holds, for the
Team tab (ui/hub_figures.py) and `deskapp kpi --from-hub`.

The hub is the team's system of record: a supervisor whose laptop holds little of the team's history reads
the team's figures there, each one saying where it comes from. ``HubReportService.read()`` does the network
work (call it off the GUI thread) and never raises for the hub's failures: it answers a ``HubReading`` whose
``state`` says what happened; when the hub cannot be read, the last figures fetched for the same question
are kept, from memory or from the profile's setting table (so they survive a restart), with their time.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from deskapp.connectors.base import AuthError, ConnectorError, TransientError
from deskapp.connectors.chatwoot_reports import ChatwootReports, ReportsRefused
from deskapp.credentials import SecretStore
from deskapp.domain import Account, AccountKind
from deskapp.kpi.compute import headline
from deskapp.kpi.period import Period, parse_period
from deskapp.kpi.scope import Filters
from deskapp.services import profile as profile_service
from deskapp.services.accounts import list_accounts
from deskapp.services.reports import ReportError, ReportService
from deskapp.sync import registry

log = logging.getLogger(__name__)
SETTING_LAST = "hub_reports.last"  # the last figures fetched, as JSON: shown when the hub cannot be read
HUB, OFFLINE, REFUSED, SIGN_IN, FAILED, NO_HUB = "hub", "offline", "refused", "sign_in", "failed", "no_hub"
PERIOD_DAYS = (1, 7, 30, 90)


@dataclass(frozen=True)
class HubFigures:
    """What the hub answered for one question (the period's bounds and a team, or the whole account)."""

    since: int
    until: int
    team_id: int | None
    summary: dict[str, float]  # reports/summary: counts, and averages in seconds
    previous: dict[str, float]  # the same for the period of the same length just before
    teams: list[dict[str, Any]]  # summary_reports/team lines, each with its "name"
    agents: list[dict[str, Any]]  # summary_reports/agent lines, each with "name" and "availability"
    fetched_at: int
    live: dict[str, int] = field(default_factory=dict)  # reports/conversations now: open, unattended, unassigned

    def key(self) -> tuple[int, int, int | None]:
        return self.since, self.until, self.team_id

    @classmethod
    def from_json(cls, raw: str | None) -> HubFigures | None:
        try:
            return cls(**json.loads(raw)) if raw else None
        except (ValueError, TypeError):  # a setting from another version: nothing kept
            return None


@dataclass(frozen=True)
class LocalFigures:
    """The same period from this computer's cache: how much of it the laptop holds, and its own figures."""

    conversations: int
    resolutions: int
    frt_median_s: float | None
    resolution_median_s: float | None


@dataclass(frozen=True)
class HubReading:
    state: str  # hub | offline | refused | sign_in | failed | no_hub
    message: str
    figures: HubFigures | None  # fresh when state is "hub", else the last fetched for this question (or None)
    local: LocalFigures | None  # None when the cache holds nothing of this team
    hub_name: str = ""
    teams: dict[int, str] = field(default_factory=dict)  # the hub's teams, for choosing one

    @property
    def fresh(self) -> bool:
        return self.state == HUB


Connect = Callable[[Account, SecretStore], ChatwootReports]
# a supervisor is waiting on the Team tab: a report is one request, 20 s to answer, 2 retries that wait 5 s at most
REPORTS_POLICY: dict[str, Any] = {"timeout": (5, 20.0), "max_attempts": 3, "backoff_cap": 5.0}


def _connect(account: Account, secrets: SecretStore) -> ChatwootReports:
    hub = registry.hub_client(account, secrets, **REPORTS_POLICY)
    return ChatwootReports(hub.http, hub.account_id)


class HubReportService:
    """Reads team figures from the first Chatwoot account of the workspace (``ws``: db, profile, secrets)."""

    def __init__(self, ws: Any, reports: ReportService | None = None, *, connect: Connect = _connect,
                 clock: Callable[[], float] = time.time) -> None:
        self.ws = ws
        self.reports = reports or ReportService(ws.db)
        self.connect = connect
        self.clock = clock
        self._lock = threading.Lock()
        self._last: dict[tuple[int, int, int | None], HubFigures] = {}
        self._teams: dict[int, str] = {}

    def hub_account(self) -> Account | None:
        return next((a for a in list_accounts(self.ws) if a.kind == AccountKind.CHATWOOT), None)

    def period(self, days: int, now: float | None = None) -> Period:
        """The last ``days`` local days, today included: the same window for the hub and the cache."""
        zone = self.reports.timezone()
        now_dt = datetime.fromtimestamp(self.clock() if now is None else now, zone)
        end = parse_period(None, None, zone, now_dt).end_day
        return Period(end - timedelta(days=days), end, zone)

    def read(self, days: int = 7, team_id: int | None = None, *, now: float | None = None) -> HubReading:
        """Figures for the last ``days`` days (one team, or the whole account), from the hub and the cache."""
        now = self.clock() if now is None else now
        return self.read_period(self.period(days, now), team_id, now=now)

    def read_period(self, period: Period, team_id: int | None = None, *, now: float | None = None) -> HubReading:
        """Figures for the local days of ``period``, from the hub and the cache."""
        now = self.clock() if now is None else now
        account = self.hub_account()
        if account is None:
            return HubReading(NO_HUB, "no hub account: add a Chatwoot account to read the team's figures there",
                              None, None)
        key = (period.start, period.end, team_id)
        try:
            figures = self._fetch(account, period, team_id, int(now))
        except ReportsRefused:
            return self._fallback(account, key, period, REFUSED,
                                  "the hub shows its reports to administrators of the account only")
        except AuthError as exc:
            log.warning("hub reports: %s", exc)
            return self._fallback(account, key, period, SIGN_IN, "the hub refused the token: sign in again")
        except TransientError as exc:
            log.info("hub reports unavailable: %s", exc)
            return self._fallback(account, key, period, OFFLINE, "hub figures unavailable offline")
        except ConnectorError as exc:  # a malformed answer: say so, keep what was fetched before
            log.warning("hub reports: %s", exc)
            return self._fallback(account, key, period, FAILED, f"the hub's answer could not be read: {exc}")
        self._remember(figures)
        return HubReading(HUB, "from the hub", figures, self._local(period, team_id, now), account.name,
                          dict(self._teams))

    def _fetch(self, account: Account, period: Period, team_id: int | None, now: int) -> HubFigures:
        client = self.connect(account, self.ws.secrets)
        try:
            since, until = period.start, period.end
            teams = client.names("teams")
            agents = client.names("agents")
            current, previous = client.summary(since, until, type="team" if team_id else "account", id=team_id)
            team_lines = [dict(asdict(g), **teams.get(g.id, {"name": f"#{g.id}"}))
                          for g in client.group_summaries("team", since, until)]
            agent_lines = [dict(asdict(g), **agents.get(g.id, {"name": f"#{g.id}", "availability": ""}))
                           for g in client.group_summaries("agent", since, until)]
            live = client.live_counts()
        finally:
            client.close()
        with self._lock:
            self._teams = {i: t["name"] for i, t in teams.items()}
        return HubFigures(since, until, team_id, current, previous, team_lines, agent_lines, now, live)

    def _remember(self, figures: HubFigures) -> None:
        with self._lock:
            self._last[figures.key()] = figures
        try:
            profile_service.put_settings(self.ws.db, self.ws.profile, {SETTING_LAST: json.dumps(asdict(figures))})
        except Exception as exc:  # the figures are still in memory; a locked profile must not lose them
            log.warning("hub reports: cannot keep the last figures in the profile: %s", exc)

    def last_fetched(self, key: tuple[int, int, int | None]) -> HubFigures | None:
        with self._lock:
            found = self._last.get(key)
        if found is None:
            kept = HubFigures.from_json(profile_service.setting(self.ws.profile, SETTING_LAST))
            found = kept if kept is not None and kept.key() == key else None
        return found

    def _fallback(self, account: Account, key: tuple[int, int, int | None], period: Period, state: str,
                  message: str) -> HubReading:
        return HubReading(state, message, self.last_fetched(key), self._local(period, key[2], self.clock()),
                          account.name, dict(self._teams))

    def _local(self, period: Period, team_id: int | None, now: float) -> LocalFigures | None:
        """The cache's own figures for the period (the team matched by its name on the hub)."""
        filters = Filters()
        if team_id is not None:
            name = self._teams.get(team_id)
            if not name:
                return None
            try:
                filters = self.reports.resolve_filters(team_name=name)
            except ReportError:  # the cache holds no team of that name
                return None
        with self.reports.db.read() as conn:
            figures = headline(conn, period, filters, now=int(now))
        return LocalFigures(figures["volume"]["total"], figures["resolution"]["count"],
                            figures["frt"]["median_s"], figures["resolution"]["median_s"])

"""Reports for the performance tabs and `deskapp kpi`: dashboards, filter choices, survey import, outage view.

``ReportService(db, outbox=None)`` is what the UI and the CLI hold; every method opens its own read
connection, so it can run on a worker thread.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from deskapp.domain.enums import Intent
from deskapp.domain.sla import SETTING_SLA_TARGETS, clock_state, sla_targets, target_for
from deskapp.kpi import day_rollup, queries
from deskapp.kpi.compute import Dashboard, Read, compute_dashboard, headline
from deskapp.kpi.definitions import FORMULAS, SETTING_SUPERVISOR, SETTING_TIMEZONE
from deskapp.kpi.drilldown import conversation_ids
from deskapp.kpi.period import Period, parse_period, resolve_timezone
from deskapp.kpi.rollup import rebuild
from deskapp.kpi.scope import Filters
from deskapp.kpi.surveys_csv import SurveyImport, import_answers
from deskapp.store import report_rows, team_directory
from deskapp.store.engine import Database

SUPERVISOR_ROLES = ("administrator", "admin", "supervisor", "owner")


class ReportError(ValueError):
    """A report request that cannot be answered as asked (unknown agent, team or zone)."""


log = logging.getLogger(__name__)

def _log_failure(future: Future[bool]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("building the daily KPI rollups failed: %s", future.exception())


@dataclass(frozen=True)
class AgentRef:
    id: int
    name: str
    email: str
    role: str
    is_me: bool


@dataclass(frozen=True)
class SignedIn:
    """Who the performance tabs are for: the signed-in agent ids (empty until a sync brought the
    profile) and whether they see the team's figures."""

    agent_ids: tuple[int, ...]
    supervisor: bool


class ReportService:
    def __init__(self, db: Database, *, outbox: Any = None, timezone: str | None = None) -> None:
        self.db = db
        self.outbox = outbox  # deskapp.store.outbox.OutboxStore, for the outage view
        self._timezone = timezone
        # the previous period and the dashboard's raw reads run here at once, each on its own connection
        # (SQLite releases the GIL while it steps); a rollup build may hold one worker for a minute
        self._pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="kpi")
        self._day_rollups: Future[bool] | None = None  # a rebuild of the daily rollups under way

    @classmethod
    def for_workspace(cls, ws: Any) -> ReportService:
        outbox = None
        if getattr(ws, "paths", None) is not None:
            from deskapp.services.actions import outbox_for

            outbox = outbox_for(ws)
        return cls(ws.db, outbox=outbox)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- who and where -----------------------------------------------------------------------------

    def timezone(self) -> ZoneInfo:
        name = self._timezone
        if name is None:
            with self.db.read() as conn:
                name = queries.setting(conn, SETTING_TIMEZONE)
        return resolve_timezone(name)

    def agents(self) -> list[AgentRef]:
        return [AgentRef(*r) for r in team_directory.agents_by_name(self.db)]

    def me(self) -> list[AgentRef]:
        """The signed-in agent on every account (is_me)."""
        return [a for a in self.agents() if a.is_me]

    def signed_in(self) -> SignedIn:
        """Read again on every call: the first sync brings the profile, and a demo role switch changes it."""
        me = self.me()
        with self.db.read() as conn:
            forced = queries.setting(conn, SETTING_SUPERVISOR) == "1"
        return SignedIn(tuple(a.id for a in me), forced or any(a.role.lower() in SUPERVISOR_ROLES for a in me))

    def filter_choices(self) -> dict[str, list[Any]]:
        """Values the filter boxes offer: channels, teams and agents (id, name), labels, intents."""
        with self.db.read() as conn:
            channels = report_rows.distinct_values(conn, "conversation", "channel")
            teams = team_directory.team_names(conn)
            labels = report_rows.distinct_values(conn, "conversation_label", "label")
        intents = [i.value for i in Intent]  # a closed vocabulary: no scan needed
        agents = [(a.id, a.name or a.email) for a in self.agents()]
        return {"channels": channels, "teams": teams, "agents": agents, "labels": labels, "intents": intents}

    # --- figures -----------------------------------------------------------------------------------

    def sla_targets(self) -> dict[str, int]:
        with self.db.read() as conn:
            return sla_targets(queries.setting(conn, SETTING_SLA_TARGETS))

    def dashboard(self, period: Period, filters: Filters | None = None, *, now: int | None = None,
                  with_previous: bool = True) -> Dashboard:
        """Every figure, plus the tiles' previous period computed at the same time on its own connection
        (SQLite releases the GIL while it works, so the two overlap on a second core); the raw reads of the
        period run beside them on connections of their own too."""
        now = int(time.time()) if now is None else now
        self._schedule_day_rollups(period.tz.key)
        previous = None
        if with_previous:
            previous = self._pool.submit(self._headline, period.previous(), filters, now)
        with self.db.read() as conn:
            dashboard = compute_dashboard(conn, period, filters, now=now, run=self._read_aside)
        if previous is not None:
            dashboard.figures["previous"] = previous.result()
        return dashboard

    def my_dashboard(self, period: Period, filters: Filters | None = None, *, now: int | None = None,
                     with_previous: bool = True) -> Dashboard | None:
        """The dashboard of the signed-in agent as the cache knows them now (None before any sync brought
        the profile): ``filters``' agents are replaced by them, as `kpi --agent <me>` would select."""
        mine = self.signed_in().agent_ids
        if not mine:
            return None
        return self.dashboard(period, replace(filters or Filters(), agent_ids=mine), now=now,
                              with_previous=with_previous)

    def _read_aside(self, read: Read) -> Future[Any]:
        return self._pool.submit(self._read, read)

    def _read(self, read: Read) -> Any:
        with self.db.read() as conn:
            return read(conn)

    def _headline(self, period: Period, filters: Filters | None, now: int) -> dict[str, Any]:
        with self.db.read() as conn:
            return headline(conn, period, filters or Filters(), now=now)

    def conversation_ids(self, period: Period, filters: Filters | None, key: str, *,
                         now: int | None = None) -> list[int]:
        """The conversations behind one figure (keys: see deskapp.kpi.drilldown), for a click on it."""
        with self.db.read() as conn:
            return conversation_ids(conn, period, filters, key, now=now)

    def resolve_filters(self, *, agent_email: str | None = None, team_name: str | None = None) -> Filters:
        with self.db.read() as conn:
            if agent_email:
                ids = team_directory.agent_ids_named(conn, agent_email)
                if not ids:
                    raise ReportError(f"no agent with email {agent_email!r} in the cache")
                return Filters(agent_ids=ids)
            if team_name:
                ids = team_directory.team_ids_named(conn, team_name)
                if not ids:
                    raise ReportError(f"no team named {team_name!r} in the cache")
                return Filters(team_ids=ids)
        return Filters()

    def kpi_report(self, *, start: str | None = None, end: str | None = None, agent_email: str | None = None,
                   team_name: str | None = None, tz: str | None = None, now: int | None = None) -> dict[str, Any]:
        """What `deskapp kpi --json` prints: every figure, rates as fractions 0..1, null when undefined."""
        try:
            zone = resolve_timezone(tz) if tz else self.timezone()
            period = parse_period(start, end, zone)
        except ValueError as exc:
            raise ReportError(str(exc)) from None
        filters = self.resolve_filters(agent_email=agent_email, team_name=team_name)
        figures = self.dashboard(period, filters, now=now).figures
        figures["formulas"] = FORMULAS
        return figures

    # --- maintenance and input -------------------------------------------------------------------

    def rebuild_rollups(self) -> float:
        started = time.perf_counter()
        zone, targets = self.timezone().key, self.sla_targets()
        with self.db.write() as conn:
            rebuild(conn)
            day_rollup.rebuild(conn, zone, targets)
        return time.perf_counter() - started

    def ensure_day_rollups(self, zone: str) -> bool:
        """Build the daily rollups in ``zone`` when they are missing (a new cache), cut in another zone or
        made with other SLA targets; True when it built them. Until then the dashboard takes the exact path."""
        targets = self.sla_targets()
        with self.db.read() as conn:
            if day_rollup.current(conn, zone, targets):
                return False
        with self.db.write() as conn:
            return day_rollup.ensure(conn, zone, targets)

    def _schedule_day_rollups(self, zone: str) -> None:
        """Starts the build on the worker pool (at 10M messages it takes a minute) unless one is running."""
        if self._day_rollups is not None and not self._day_rollups.done():
            return
        with self.db.read() as conn:
            if day_rollup.current(conn, zone, sla_targets(queries.setting(conn, SETTING_SLA_TARGETS))):
                return
        self._day_rollups = self._pool.submit(self.ensure_day_rollups, zone)
        self._day_rollups.add_done_callback(_log_failure)

    def import_surveys(self, path: str | Path, *, tz: str | None = None) -> SurveyImport:
        zone = resolve_timezone(tz) if tz else self.timezone()
        with self.db.write() as conn:
            return import_answers(conn, Path(path), zone)

    # --- outage view -------------------------------------------------------------------------------

    def outage_snapshot(self, *, now: int | None = None) -> dict[str, Any]:
        """Queued outbox items, and unanswered open conversations whose SLA clock runs out while offline."""
        now = int(time.time()) if now is None else now
        targets = self.sla_targets()
        with self.db.read() as conn:
            rows = queries.running_clocks(conn)
        clocks: list[dict[str, Any]] = []
        for cid, ext, subject, channel, due, assignee in rows:
            left = due - now
            state = clock_state(due, target_for(targets, channel), now).replace("breaching", "breached")
            clocks.append({"conversation_id": cid, "external_id": ext, "subject": subject, "channel": channel,
                           "assignee": assignee or "", "due_at": due, "seconds_left": left, "state": state})
        clocks.sort(key=lambda c: c["seconds_left"])
        queued: list[dict[str, Any]] = []
        if self.outbox is not None:
            try:
                queued = [r.to_json() for r in self.outbox.open_items()]
            except Exception as exc:  # the outbox file is someone else's; show why it is missing
                queued = [{"error": str(exc)}]
        return {"now": now, "queued": queued, "sla_clocks": clocks,
                "at_risk": sum(1 for c in clocks if c["state"] == "at_risk"),
                "breached": sum(1 for c in clocks if c["state"] == "breached")}

"""The My performance / Team performance tabs: KPI tiles, charts and the agent table over a period.

``PerformanceTab(reports, supervisor=False)`` holds "My performance" (the signed-in agent: agent.is_me),
"Team performance" when ``supervisor``, and the outage view. Figures are computed on a worker thread;
``open_conversations(list)`` carries the ids behind any clicked figure (the inbox connects to it); the
ids are looked up on a worker too, from the figure's drill-down key (deskapp.kpi.drilldown).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from deskapp.kpi.definitions import FORMULAS
from deskapp.kpi.formatting import fmt_duration, fmt_nps, fmt_rate
from deskapp.kpi.period import Period, preset_period
from deskapp.kpi.scope import Filters
from deskapp.services.reports import ReportService
from deskapp.ui.charts import ChartCard, short_day
from deskapp.ui.charts_tiles import AgentTable, KpiTile, fmt_number
from deskapp.ui.outage_view import OutageView
from deskapp.ui.tasks import TaskRunner

PRESETS = [("Today", "today"), ("Last 7 days", "7d"), ("Last 30 days", "30d"), ("Last 90 days", "90d"),
           ("Custom…", "custom")]

# (key, title, formula key, formatter, lower is better, how to read it from figures)
TILES: list[tuple[str, str, str, Any, bool, Any]] = [
    ("frt", "Median first response", "frt", fmt_duration, True, lambda f: f["frt"]["median_s"]),
    ("frt_p90", "p90 first response", "frt", fmt_duration, True, lambda f: f["frt"]["p90_s"]),
    ("unanswered", "Unanswered", "unanswered", fmt_number, True, lambda f: f["frt"]["unanswered"]),
    ("resolution", "Median resolution", "resolution", fmt_duration, True, lambda f: f["resolution"]["median_s"]),
    ("fcr", "FCR", "fcr", fmt_rate, False, lambda f: f["fcr"]),
    ("csat", "CSAT", "csat", fmt_rate, False, lambda f: f["csat"]),
    ("nps", "NPS", "nps", fmt_nps, False, lambda f: f["nps"]),
    ("ces", "CES", "ces", fmt_number, False, lambda f: f["ces"]),
    ("contact_rate", "Contact rate", "contact_rate", fmt_rate, True, lambda f: f["contact_rate"]),
    ("sla_breached", "SLA breach rate", "sla_breach_rate", fmt_rate, True, lambda f: f["sla"]["breach_rate"]),
    ("sla_at_risk", "At risk now", "sla_at_risk", fmt_number, True, lambda f: f["sla"]["at_risk"]),
    ("volume", "Conversations", "volume", fmt_number, False, lambda f: f["volume"]["total"]),
]


class PerformanceView(QWidget):
    """One dashboard: ``scope`` "me" pins the agent filter to the signed-in agent, "team" offers it."""

    open_conversations = Signal(list)
    computed = Signal(dict)  # the figures, once shown (tests and the status bar listen)

    def __init__(self, reports: ReportService, scope: str, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reports, self.scope, self.runner = reports, scope, runner
        self.figures: dict[str, Any] = {}
        self.shown = None  # the Dashboard on screen: its period, filters and "now" answer drill-downs
        self._me = tuple(a.id for a in reports.me()) if scope == "me" else ()
        self.preset = QComboBox()
        for text, key in PRESETS:
            self.preset.addItem(text, key)
        self.preset.setCurrentIndex(2)
        self.date_from, self.date_to = QDateEdit(calendarPopup=True), QDateEdit(calendarPopup=True)
        self.date_from.setToolTip("First day")
        self.date_to.setToolTip("Last day (included)")
        self.filters: dict[str, QComboBox] = {}
        bar = QHBoxLayout()
        bar.addWidget(self.preset)
        bar.addWidget(self.date_from)
        bar.addWidget(self.date_to)
        for key in ("channel", "team", "agent", "label", "intent"):
            if key == "agent" and scope == "me":
                continue
            box = QComboBox()
            box.setToolTip(f"Only conversations with this {key}")
            box.addItem(f"All {key}s", None)
            self.filters[key] = box
            bar.addWidget(box)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        bar.addWidget(refresh)
        self.status = QLabel("")
        bar.addWidget(self.status, 1)
        self.tiles: dict[str, KpiTile] = {}
        tile_grid = QGridLayout()
        for i, (key, title, formula, fmt, lower, _) in enumerate(TILES):
            tile = KpiTile(title, FORMULAS[formula], fmt, lower_is_better=lower)
            tile.drill.connect(self.drill)
            self.tiles[key] = tile
            tile_grid.addWidget(tile, i // 6, i % 6)
        self.charts = {
            "volume": ChartCard("Volume by day and channel", FORMULAS["volume"]),
            "frt": ChartCard("First response time (minutes)", FORMULAS["frt"]),
            "resolution": ChartCard("Resolution time (hours)", FORMULAS["resolution"]),
            "intent": ChartCard("Volume by intent", FORMULAS["intent"]),
            "surveys": ChartCard("CSAT and NPS (%)", FORMULAS["csat"] + "\n" + FORMULAS["nps"]),
            "sla": ChartCard("SLA", FORMULAS["sla_breach_rate"] + "\n" + FORMULAS["sla_at_risk"]),
            "backlog": ChartCard("Backlog by age (open now)", FORMULAS["backlog"]),
            "label": ChartCard("Volume by label", FORMULAS["label"]),
        }
        chart_grid = QGridLayout()
        for i, card in enumerate(self.charts.values()):
            card.drill.connect(self.drill)
            chart_grid.addWidget(card, i // 2, i % 2)
        self.agent_table = AgentTable(FORMULAS)
        self.agent_table.drill.connect(self.drill)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(tile_grid)
        body_layout.addLayout(chart_grid)
        body_layout.addWidget(self.agent_table)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(scroll)
        self.runner.submit(reports.filter_choices, on_done=self._fill_choices)
        self._sync_dates()
        self.preset.currentIndexChanged.connect(self._on_preset)
        for widget in (*self.filters.values(),):
            widget.currentIndexChanged.connect(self.refresh)
        self.date_from.dateChanged.connect(self._on_custom_date)
        self.date_to.dateChanged.connect(self._on_custom_date)

    # --- inputs ------------------------------------------------------------------------------------

    def _fill_choices(self, choices: dict[str, list]) -> None:
        pairs = {"channel": [(c, c) for c in choices["channels"]], "team": [(n, i) for i, n in choices["teams"]],
                 "agent": [(n, i) for i, n in choices["agents"]], "label": [(x, x) for x in choices["labels"]],
                 "intent": [(x, x) for x in choices["intents"]]}
        for key, box in self.filters.items():
            box.blockSignals(True)  # adding choices never changes the selection ("All")
            for text, value in pairs[key]:
                box.addItem(str(text), value)
            box.blockSignals(False)

    def period(self) -> Period:
        tz = self.reports.timezone()
        key = self.preset.currentData()
        if key == "custom":
            first = self.date_from.date().toPython()
            last = self.date_to.date().toPython()
            return Period(first, max(first, last) + timedelta(days=1), tz)
        return preset_period(key, tz)

    def current_filters(self) -> Filters:
        def chosen(key: str) -> tuple:
            box = self.filters.get(key)
            return () if box is None or box.currentData() is None else (box.currentData(),)

        agents = self._me if self.scope == "me" else chosen("agent")
        if self.scope == "me" and not agents:
            agents = (-1,)  # no signed-in agent known yet: show nothing rather than the whole team
        return Filters(channels=chosen("channel"), team_ids=chosen("team"), agent_ids=agents,
                       labels=chosen("label"), intents=chosen("intent"))

    def _sync_dates(self) -> None:
        custom = self.preset.currentData() == "custom"
        self.date_from.setEnabled(custom)
        self.date_to.setEnabled(custom)
        if not custom:
            period = self.period()
            for edit, day in ((self.date_from, period.first_day), (self.date_to, period.end_day - timedelta(1))):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)

    def _on_preset(self) -> None:
        self._sync_dates()
        self.refresh()

    def _on_custom_date(self) -> None:
        if self.preset.currentData() == "custom":
            self.refresh()

    def set_custom_period(self, first: date, last: date) -> None:
        """Show [first, last] (both included), as the custom preset does."""
        self.preset.setCurrentIndex(len(PRESETS) - 1)
        for edit, day in ((self.date_from, first), (self.date_to, last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.refresh()

    # --- compute off the GUI thread ------------------------------------------------------------------

    def refresh(self) -> None:
        try:
            period, filters = self.period(), self.current_filters()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText("computing…")
        self.runner.submit(self.reports.dashboard, period, filters, on_done=self._show,
                           on_error=lambda e: self.status.setText(f"could not compute: {e}"),
                           key=f"kpi-{self.scope}-{id(self)}")

    def drill(self, key: str) -> None:
        """Open the conversations behind the figure ``key`` of what is on screen (looked up off the GUI thread)."""
        shown = self.shown
        if shown is None:
            return
        self.runner.submit(self.reports.conversation_ids, shown.period, shown.filters, key, now=shown.now,
                           on_done=lambda ids: ids and self.open_conversations.emit(list(ids)),
                           on_error=lambda e: self.status.setText(f"could not open: {e}"))

    def _show(self, dashboard) -> None:
        f = dashboard.figures
        self.figures, self.shown = f, dashboard
        previous = f.get("previous", {})
        for key, _title, _formula, _fmt, _lower, read in TILES:
            try:
                prev = read(previous) if previous else None
            except (KeyError, TypeError):
                prev = None
            self.tiles[key].set_value(read(f), prev, {"frt_p90": "frt"}.get(key, key))
        self._draw_charts(f)
        self.agent_table.set_rows(f["agents"])
        self.status.setText(f"{f['period']['from']} – {f['period']['to']} (to excluded, {f['period']['tz']})")
        self.computed.emit(f)

    def _draw_charts(self, f: dict) -> None:
        days = [d["day"] for d in f["volume"]["by_day"]]
        channels = sorted({ch for d in f["volume"]["by_day"] for ch in d["channels"]}) or ["none"]
        per_channel = {ch: [d["channels"].get(ch, 0) for d in f["volume"]["by_day"]] for ch in channels}
        self.charts["volume"].show_bars(
            [short_day(d, f["volume"].get("granularity", "day")) for d in days], per_channel,
            [[f"volume:day:{d}:{ch}" for d in days] for ch in channels], stacked=True)
        t = f["trends"]
        frt_ids = [[f"frt:day:{d}" for d in t["days"]]] * 2
        grain = t.get("granularity", "day")
        self.charts["frt"].show_lines(t["days"], {"median": t["frt_median_s"], "p90": t["frt_p90_s"]}, frt_ids,
                                      scale=60, unit=" min", granularity=grain)
        res_ids = [[f"resolution:day:{d}" for d in t["days"]]] * 2
        self.charts["resolution"].show_lines(
            t["days"], {"median": t["resolution_median_s"], "p90": t["resolution_p90_s"]}, res_ids,
            scale=3600, unit=" h", granularity=grain)
        survey_ids = [[f"{k}:day:{d}" for d in t["days"]] for k in ("csat", "nps")]
        self.charts["surveys"].show_lines(t["days"], {"CSAT %": t["csat"], "NPS": t["nps"]}, survey_ids,
                                          scale=0.01, granularity=grain)
        for key, source in (("intent", "by_intent"), ("label", "by_label")):
            names = list(f["volume"][source])[:15]
            self.charts[key].show_bars(names, {"conversations": [f["volume"][source][n] for n in names]},
                                       [[f"{key}:{n}" for n in names]], horizontal=True)
        sla = f["sla"]
        self.charts["sla"].show_bars(
            ["breached in period", "at risk now", "breaching now"],
            {"conversations": [sla["breached"], sla["at_risk"], sla["breaching_now"]]},
            [["sla_breached", "sla_at_risk", "sla_breaching"]])
        buckets = [b["bucket"] for b in f["backlog"]["by_age"]]
        self.charts["backlog"].show_bars(buckets, {"open": [b["count"] for b in f["backlog"]["by_age"]]},
                                         [[f"backlog:{b}" for b in buckets]])


class PerformanceTab(QWidget):
    """My performance, Team performance (supervisors only) and the outage view, in one widget."""

    open_conversations = Signal(list)

    def __init__(self, reports: ReportService, supervisor: bool = False, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.reports = reports
        self.runner = runner or TaskRunner(self)
        self.tabs = QTabWidget()
        self.mine = PerformanceView(reports, "me", self.runner)
        self.tabs.addTab(self.mine, "My performance")
        self.team: PerformanceView | None = None
        if supervisor:
            self.team = PerformanceView(reports, "team", self.runner)
            self.tabs.addTab(self.team, "Team performance")
        self.outage = OutageView(reports, self.runner)
        self.tabs.addTab(self.outage, "Outage view")
        for view in (self.mine, self.team, self.outage):
            if view is not None:
                view.open_conversations.connect(self.open_conversations)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(self._on_tab)
        self.mine.refresh()

    def _on_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, PerformanceView) and not widget.figures:
            widget.refresh()
        elif widget is self.outage:
            self.outage.refresh()

"""One performance dashboard for ui.performance_tab: KPI tiles, charts and the agent table over a period.

``PerformanceView(reports, scope, runner)`` shows "me" (the signed-in agent, read again at every
computation: ReportService.my_dashboard) or "team" (every agent, with an agent filter). Figures are
computed on a worker thread; ``computed(dict)`` once they are shown; ``conversations_opened(list)`` carries
the ids behind a clicked figure, looked up on a worker too from its drill-down key (deskapp.kpi.drilldown).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
    QVBoxLayout,
    QWidget,
)

from deskapp.domain.durations import duration_text
from deskapp.kpi.definitions import FORMULAS
from deskapp.kpi.formatting import fmt_amounts, fmt_nps, fmt_rate, fmt_refunds
from deskapp.kpi.period import Period, preset_period
from deskapp.kpi.scope import Filters
from deskapp.services.inbox import channel_title
from deskapp.services.reports import ReportService
from deskapp.ui.charts import ChartCard, short_day
from deskapp.ui.charts_tiles import AgentTable, KpiTile, fmt_number
from deskapp.ui.tasks import TaskRunner

NOT_SIGNED_IN = ("Your agent profile is not in the cache yet: your figures appear as soon as the first sync "
                 "has brought it.")
MAX_TILES_PER_ROW = 7
PRESETS = [("Today", "today"), ("Last 7 days", "7d"), ("Last 30 days", "30d"), ("Last 90 days", "90d"),
           ("Custom…", "custom")]


@dataclass(frozen=True)
class Tile:
    """One KPI tile: where its figure is in the dashboard's figures, how it reads, what a click opens."""

    key: str
    title: str
    formula: str  # key of deskapp.kpi.definitions.FORMULAS
    fmt: Callable[[Any], str]
    lower_is_better: bool | None  # None: a change is neither better nor worse (volume)
    read: Callable[[dict], Any]
    drill: str | None = ""  # drill-down key (deskapp.kpi.drilldown); "" = the tile's key, None = nothing to open
    compare: bool = True  # shows its change against the previous period
    team_only: bool = False  # a shop-wide figure, not the agent's own: on Team performance only


TILES: list[Tile] = [
    Tile("volume", "Conversations", "volume", fmt_number, None, lambda f: f["volume"]["total"]),
    Tile("replies", "Replies", "replies", fmt_number, None, lambda f: f["replies"], drill=None, compare=False),
    Tile("frt", "Median first response", "frt", duration_text, True, lambda f: f["frt"]["median_s"]),
    Tile("frt_p90", "p90 first response", "frt", duration_text, True, lambda f: f["frt"]["p90_s"], drill="frt"),
    Tile("unanswered", "Unanswered", "unanswered", fmt_number, True, lambda f: f["frt"]["unanswered"]),
    Tile("resolution", "Median resolution", "resolution", duration_text, True,
         lambda f: f["resolution"]["median_s"]),
    Tile("fcr", "FCR", "fcr", fmt_rate, False, lambda f: f["fcr"]),
    Tile("csat", "CSAT", "csat", fmt_rate, False, lambda f: f["csat"]),
    Tile("nps", "NPS", "nps", fmt_nps, False, lambda f: f["nps"]),
    Tile("ces", "CES", "ces", fmt_number, False, lambda f: f["ces"]),
    Tile("sla_breached", "SLA breach rate", "sla_breach_rate", fmt_rate, True, lambda f: f["sla"]["breach_rate"]),
    Tile("sla_at_risk", "At risk now", "sla_at_risk", fmt_number, True, lambda f: f["sla"]["at_risk"],
         compare=False),
    Tile("contact_rate", "Contact rate", "contact_rate", fmt_rate, True, lambda f: f["contact_rate"],
         team_only=True),
    Tile("revenue_influenced", "Revenue influenced", "revenue_influenced", fmt_amounts, False,
         lambda f: f["revenue_influenced"]["amounts"], compare=False),
    Tile("refunds", "Refunds issued", "refunds", fmt_refunds, None, lambda f: f["refunds"], drill=None,
         compare=False),
]


def intent_title(intent: str) -> str:
    """An intent as the inbox shows it: "order_status" -> "order status"."""
    return intent.replace("_", " ")


def _duration_unit(values: list[float | None]) -> tuple[int, str, str]:
    """(seconds per unit, suffix, name) that keeps a duration chart's axis in readable numbers."""
    top = max((v for v in values if v is not None), default=0)
    if top >= 3 * 3600:
        return 3600, " h", "hours"
    return 60, " min", "minutes"


class PerformanceView(QWidget):
    """One dashboard: ``scope`` "me" pins the agent filter to the signed-in agent, "team" offers it."""

    conversations_opened = Signal(list)
    computed = Signal(dict)  # the figures, once shown (tests and the status bar listen)

    def __init__(self, reports: ReportService, scope: str, runner: TaskRunner, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.reports, self.scope, self.runner, self.clock = reports, scope, runner, clock
        self.figures: dict[str, Any] = {}
        self.shown = None  # the Dashboard on screen: its period, filters and "now" answer drill-downs
        self.stale = True  # the data changed since the figures on screen were computed (or none yet)
        self.computing = False
        self.answered = False  # a computation came back (figures, or "not signed in yet")
        self._choices: dict[str, list] | None = None  # what the filter boxes offer
        self.preset = QComboBox()
        for text, key in PRESETS:
            self.preset.addItem(text, key)
        self.preset.setCurrentIndex(2)
        self.date_from, self.date_to = QDateEdit(), QDateEdit()
        self.date_from.setCalendarPopup(True)
        self.date_to.setCalendarPopup(True)
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
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Compute every figure again, for whoever is signed in now")
        self.refresh_button.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_button)
        self.status = QLabel("")
        self.status.setWordWrap(True)  # a long message wraps; it must never widen the window
        self.status.setMinimumWidth(120)
        bar.addWidget(self.status, 1)
        self.tiles: dict[str, KpiTile] = {}
        self.tile_specs = [t for t in TILES if scope == "team" or not t.team_only]
        self.tile_grid = tile_grid = QGridLayout()
        # Rows of at most MAX_TILES_PER_ROW, evenly filled: a row of more tiles is wider than a 1440 px window.
        rows = -(-len(self.tile_specs) // MAX_TILES_PER_ROW)
        columns = -(-len(self.tile_specs) // rows)
        for i, spec in enumerate(self.tile_specs):
            tile = KpiTile(spec.title, FORMULAS[spec.formula], spec.fmt, lower_is_better=spec.lower_is_better,
                           compare=spec.compare)
            tile.drilled.connect(self.drill)
            self.tiles[spec.key] = tile
            tile_grid.addWidget(tile, i // columns, i % columns)
        self.charts = {
            "volume": ChartCard("Volume by day and channel", FORMULAS["volume"]),
            "frt": ChartCard("First response time", FORMULAS["frt"]),
            "resolution": ChartCard("Resolution time", FORMULAS["resolution"]),
            "intent": ChartCard("Volume by intent", FORMULAS["intent"]),
            "surveys": ChartCard("CSAT and NPS (%)", FORMULAS["csat"] + "\n" + FORMULAS["nps"],
                                 empty_text="No survey answers in this period"),
            "sla": ChartCard("SLA", FORMULAS["sla_breach_rate"] + "\n" + FORMULAS["sla_at_risk"],
                             empty_text="No breach in this period and nothing at risk now"),
            "backlog": ChartCard("Backlog by age (open now)", FORMULAS["backlog"],
                                 empty_text="Nothing open now"),
            "label": ChartCard("Volume by label", FORMULAS["label"], empty_text="No labelled conversations"),
        }
        chart_grid = QGridLayout()
        for i, card in enumerate(self.charts.values()):
            card.drilled.connect(self.drill)
            chart_grid.addWidget(card, i // 2, i % 2)
        self.agent_table = AgentTable(FORMULAS)
        self.agent_table.drilled.connect(self.drill)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(tile_grid)
        if scope == "team":  # what a supervisor looks at first: each agent's figures, then the charts
            body_layout.addWidget(self.agent_table)
            body_layout.addLayout(chart_grid)
        else:
            body_layout.addLayout(chart_grid)
            body_layout.addWidget(self.agent_table)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(scroll)
        self.reload_choices()
        self._sync_dates()
        self.preset.currentIndexChanged.connect(self._on_preset)
        for widget in (*self.filters.values(),):
            widget.currentIndexChanged.connect(self.refresh)
        self.date_from.dateChanged.connect(self._on_custom_date)
        self.date_to.dateChanged.connect(self._on_custom_date)

    # --- inputs ------------------------------------------------------------------------------------

    def reload_choices(self) -> None:
        """Read the filter boxes' values again (a sync brings channels, teams, agents and labels)."""
        self.runner.submit(self.reports.filter_choices, on_done=self._fill_choices, key=f"choices-{id(self)}")

    def _fill_choices(self, choices: dict[str, list]) -> None:
        if choices == self._choices:  # the usual case after a sync pass: leave the boxes (and open popups) alone
            return
        self._choices = choices
        pairs = {"channel": [(channel_title(c), c) for c in choices["channels"]],
                 "team": [(n, i) for i, n in choices["teams"]], "agent": [(n, i) for i, n in choices["agents"]],
                 "label": [(x, x) for x in choices["labels"]],
                 "intent": [(intent_title(x), x) for x in choices["intents"]]}
        for key, box in self.filters.items():
            chosen = box.currentData()
            box.blockSignals(True)  # new choices never change the selection, so nothing recomputes
            while box.count() > 1:
                box.removeItem(1)
            for text, value in pairs[key]:
                box.addItem(str(text), value)
            box.setCurrentIndex(max(0, box.findData(chosen)) if chosen is not None else 0)
            box.blockSignals(False)

    def period(self) -> Period:
        tz = self.reports.timezone()
        key = self.preset.currentData()
        if key == "custom":
            first, last = (date(d.year(), d.month(), d.day()) for d in (self.date_from.date(), self.date_to.date()))
            return Period(first, max(first, last) + timedelta(days=1), tz)
        return preset_period(key, tz, datetime.fromtimestamp(self.clock(), UTC))

    def current_filters(self) -> Filters:
        """What the boxes select; "me" adds the signed-in agent when computing (ReportService.my_dashboard)."""
        def chosen(key: str) -> tuple:
            box = self.filters.get(key)
            return () if box is None or box.currentData() is None else (box.currentData(),)

        return Filters(channels=chosen("channel"), team_ids=chosen("team"), agent_ids=chosen("agent"),
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
        """Compute every figure again (off the GUI thread), for whoever is signed in now."""
        try:
            period, filters = self.period(), self.current_filters()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        self.stale, self.computing = False, True
        self.status.setText("computing…")
        compute = self.reports.my_dashboard if self.scope == "me" else self.reports.dashboard
        self.runner.submit(compute, period, filters, now=int(self.clock()), on_done=self._show,
                           on_error=self._failed, key=f"kpi-{self.scope}-{id(self)}")

    def _failed(self, message: str) -> None:
        self.computing = False
        self.status.setText(f"could not compute: {message}")

    def drill(self, key: str) -> None:
        """Open the conversations behind the figure ``key`` of what is on screen (looked up off the GUI thread)."""
        shown = self.shown
        if shown is None:
            return
        self.runner.submit(self.reports.conversation_ids, shown.period, shown.filters, key, now=shown.now,
                           on_done=lambda ids: ids and self.conversations_opened.emit(list(ids)),
                           on_error=lambda e: self.status.setText(f"could not open: {e}"))

    def _show(self, dashboard) -> None:
        self.computing, self.answered = False, True
        if dashboard is None:  # "me" before any sync brought the profile
            self.figures, self.shown = {}, None
            for tile in self.tiles.values():
                tile.clear()
            for chart in self.charts.values():
                chart.clear()
            self.agent_table.set_rows([])
            self.status.setText(NOT_SIGNED_IN)
            return
        f = dashboard.figures
        self.figures, self.shown = f, dashboard
        previous = f.get("previous", {})
        for spec in self.tile_specs:
            try:
                prev = spec.read(previous) if previous else None
            except (KeyError, TypeError):
                prev = None
            drill = spec.key if spec.drill == "" else spec.drill or ""
            self.tiles[spec.key].set_value(spec.read(f), prev, drill)
        self._draw_charts(f)
        self.agent_table.set_rows(f["agents"])
        at = datetime.fromtimestamp(dashboard.now or self.clock(), dashboard.period.tz)
        self.status.setText(f"Computed at {at:%H:%M} · days in {f['period']['tz']}")
        self.computed.emit(f)

    def _draw_charts(self, f: dict) -> None:
        days = [d["day"] for d in f["volume"]["by_day"]]
        channels = sorted({ch for d in f["volume"]["by_day"] for ch in d["channels"]}) or ["none"]
        # series and bars are named as the inbox names them ("Web chat", "order status"); the drill-down keys
        # keep the stored values
        per_channel = {channel_title(ch): [d["channels"].get(ch, 0) for d in f["volume"]["by_day"]] for ch in channels}
        self.charts["volume"].show_bars(
            [short_day(d, f["volume"].get("granularity", "day")) for d in days], per_channel,
            [[f"volume:day:{d}:{ch}" for d in days] for ch in channels], stacked=True)
        t = f["trends"]
        grain = t.get("granularity", "day")
        for key, title in (("frt", "First response time"), ("resolution", "Resolution time")):
            lines = {"median": t[f"{key}_median_s"], "p90": t[f"{key}_p90_s"]}
            scale, unit, name = _duration_unit(lines["p90"] + lines["median"])
            self.charts[key].set_title(f"{title} ({name})")
            self.charts[key].show_lines(t["days"], lines, [[f"{key}:day:{d}" for d in t["days"]]] * 2,
                                        scale=scale, unit=unit, granularity=grain)
        survey_ids = [[f"{k}:day:{d}" for d in t["days"]] for k in ("csat", "nps")]
        self.charts["surveys"].show_lines(t["days"], {"CSAT %": t["csat"], "NPS": t["nps"]}, survey_ids,
                                          scale=0.01, granularity=grain)
        for key, source in (("intent", "by_intent"), ("label", "by_label")):
            names = list(f["volume"][source])[:15]
            shown = [intent_title(n) for n in names] if key == "intent" else names
            self.charts[key].show_bars(shown, {"conversations": [f["volume"][source][n] for n in names]},
                                       [[f"{key}:{n}" for n in names]], horizontal=True)
        sla = f["sla"]
        self.charts["sla"].show_bars(
            ["breached in period", "at risk now", "breaching now"],
            {"conversations": [sla["breached"], sla["at_risk"], sla["breaching_now"]]},
            [["sla_breached", "sla_at_risk", "sla_breaching"]])
        buckets = [b["bucket"] for b in f["backlog"]["by_age"]]
        self.charts["backlog"].show_bars(buckets, {"open": [b["count"] for b in f["backlog"]["by_age"]]},
                                         [[f"backlog:{b}" for b in buckets]])

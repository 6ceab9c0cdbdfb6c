"""Human-readable KPI figures (rates, NPS) shared by the CLI and the dashboards; durations read through
deskapp.domain.durations."""

from __future__ import annotations


def fmt_rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def fmt_nps(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.0f}"

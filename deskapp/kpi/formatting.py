"""Human-readable KPI figures (durations, rates, NPS) shared by the CLI and the dashboards."""

from __future__ import annotations


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = float(seconds)
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"


def fmt_rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def fmt_nps(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.0f}"

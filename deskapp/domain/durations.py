"""How a span of seconds reads to the agent, for the inbox lists (compact: "12m") and the KPI figures
(precise: "12.5 min"); one unit table for both."""

from __future__ import annotations

# (seconds, compact suffix, precise suffix), largest first
_UNITS = ((86400, "d", " d"), (3600, "h", " h"), (60, "m", " min"), (1, "s", " s"))


def duration_text(seconds: float | None, *, compact: bool = False) -> str:
    """Compact: whole units of the largest unit reached ("59s", "1m", "23h", "1d"). Precise: one decimal in
    the largest unit the span is at least twice ("119 s", "2.0 min", "47.9 h", "2.0 d"). None reads "–"."""
    if seconds is None:
        return "–"
    if compact:
        whole = int(seconds)
        size, suffix = next((size, short) for size, short, _ in _UNITS if whole >= size or size == 1)
        return f"{whole // size}{suffix}"
    span = float(seconds)
    size, suffix = next((size, long) for size, _, long in _UNITS if span >= 2 * size or size == 1)
    return f"{span:.0f}{suffix}" if size == 1 else f"{span / size:.1f}{suffix}"

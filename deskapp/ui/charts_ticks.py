"""Value-axis ticks for the chart cards: round 1-2-5 steps, whole numbers for counts, one label format.

``nice_ticks(low, high, integer=...)`` is plain arithmetic (no Qt), so the rules are tested as a function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STEPS = (1.0, 2.0, 5.0)


@dataclass(frozen=True)
class Ticks:
    """Evenly spaced tick values from ``low`` to ``high`` (both ticks) every ``step``; ``decimals`` is
    the fewest decimals that tell every label apart."""

    low: float
    high: float
    step: float
    decimals: int

    @property
    def values(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [round(self.low + i * self.step, self.decimals) for i in range(count + 1)]

    @property
    def count(self) -> int:
        return len(self.values)

    def label(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"

    @property
    def label_format(self) -> str:
        """The printf format QValueAxis takes."""
        return f"%.{self.decimals}f"


def _steps(raw: float, integer: bool):
    """1, 2 and 5 times powers of ten, ascending, from the first one at least ``raw``."""
    exponent = math.floor(math.log10(raw))
    while True:
        for mantissa in STEPS:
            step = mantissa * 10.0 ** exponent
            if step >= raw * (1 - 1e-9) and (step >= 1 or not integer):
                yield step
        exponent += 1


def nice_ticks(low: float, high: float, *, integer: bool = False, max_ticks: int = 6) -> Ticks:
    """Ticks covering [low, high] in steps of 1, 2 or 5 times a power of ten, at most ``max_ticks`` of
    them (at least 2), no two labels alike; ``integer`` (counts) keeps every tick whole. A range with
    no width (no data, or one value) is widened to reach 0, or to [0, 1]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low = high = 0.0
    low, high = min(low, high), max(low, high)
    if high - low < 1e-12:
        low, high = (0.0, 1.0) if abs(high) < 1e-12 else (min(0.0, low), max(0.0, high))
    max_ticks = max(2, max_ticks)
    for step in _steps((high - low) / (max_ticks - 1), integer):
        first = math.floor(low / step + 1e-9) * step
        last = math.ceil(high / step - 1e-9) * step
        if round((last - first) / step) + 1 <= max_ticks:
            break
    decimals = 0 if step >= 1 else -math.floor(math.log10(step) + 1e-9)
    return Ticks(round(first, decimals), round(last, decimals), step, decimals)

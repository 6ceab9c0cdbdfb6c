"""Value-axis ticks for the chart cards: round 1-2-5 steps, whole numbers for counts, one label format.

``nice_ticks(low, high, integer=...)`` is plain arithmetic (no Qt), so the rules are tested as a function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STEPS = (1.0, 2.0, 5.0)
HUGE = 1e300  # beyond this the axis stops (no chart draws such a figure; the arithmetic would overflow)
TINY = 1e-300  # below this a value is treated as zero (its tenth would not be a float)


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


def _whole(quotient: float, direction) -> int:
    """floor/ceil that does not step past a whole number because of float noise (0.3 / 0.1)."""
    nearest = round(quotient)
    return nearest if math.isclose(quotient, nearest, rel_tol=1e-9, abs_tol=1e-12) else direction(quotient)


def nice_ticks(low: float, high: float, *, integer: bool = False, max_ticks: int = 6) -> Ticks:
    """Ticks covering [low, high] in steps of 1, 2 or 5 times a power of ten, at most ``max_ticks`` of
    them (raised to 3: a range across zero needs -step, 0, step), no two labels alike; ``integer``
    (counts) keeps every tick whole. A range with no width (one value) is widened to reach 0, no data
    at all gives [0, 1]; bounds past a tick by float noise only (under 1e-12 step) do not add a tick."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low = high = 0.0
    low, high = (max(-HUGE, min(HUGE, v)) for v in (min(low, high), max(low, high)))  # no overflow below
    if max(abs(low), abs(high)) < TINY:  # nothing (or float dust): the unit axis
        low, high = 0.0, 1.0
    elif high - low <= 1e-12 * max(abs(low), abs(high)):  # one value: from zero to it
        low, high = min(0.0, low), max(0.0, high)
    max_ticks = max(3, max_ticks)
    for step in _steps((high - low) / (max_ticks - 1), integer):
        first = _whole(low / step, math.floor) * step
        last = _whole(high / step, math.ceil) * step
        last = max(last, first + step)  # a range narrower than the step still gets two ticks
        if round((last - first) / step) + 1 <= max_ticks:
            break
    decimals = 0 if step >= 1 else -math.floor(math.log10(step) + 1e-9)
    return Ticks(round(first, decimals), round(last, decimals), step, decimals)

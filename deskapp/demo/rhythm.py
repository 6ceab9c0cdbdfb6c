"""When things happen in the demo world, for seed.py and timeline.py: the shop's volume over time (growth,
weekday rhythm, campaign spikes, the hours customers write in) and the support team's shifts.

Times are placed by a monotone map from a fraction of the period's total volume to a moment: whatever `now`
is, the k-th conversation stays the k-th, so ids and words stay the same while times follow the calendar.
"""

from __future__ import annotations

import itertools
import math
import random
from array import array
from bisect import bisect_right

HOUR, DAY = 3600, 86400
SPAN_DAYS = 120  # orders reach back this far; conversations start in the last CONVERSATION_DAYS
CONVERSATION_DAYS = 89.5  # a little under 90 days, whatever the weekday alignment
# UTC hour weights: the shop sells in Europe and the Americas, so customers write from early morning (Europe)
# to late evening (America); few at night.
CUSTOMER_HOURS = (2, 1.5, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 6, 4, 3)
# Monday .. Sunday (UTC): Monday brings the weekend's questions, Saturday is the quietest day.
WEEKDAY = (1.2, 1.08, 1.04, 1.0, 0.95, 0.7, 0.8)
GROWTH = 0.3  # the shop grows: the newest day sees 30 % more than a day SPAN_DAYS ago
# Campaigns: (days before now the spike starts, factor of each day from then on)
CAMPAIGNS = ((41, (2.2, 1.7, 1.3, 1.1)), (15, (1.6, 1.3, 1.12)))
DAY_NOISE = 0.08  # sigma of a calendar day's own ups and downs (lognormal)

# The support team: (open hour, close hour) UTC by weekday; fewer agents at weekends, so work waits longer.
SHIFTS = ((6, 24),) * 5 + ((8, 22),) * 2  # an early European and a late American shift
WEEKEND_PACE = 1.7
MORNING_QUEUE_S = 75 * 60  # what waited overnight is worked through in the shift's first hour or so


def _trend_and_campaign(age_days: float) -> float:
    factor = 1 + GROWTH * (1 - age_days / SPAN_DAYS)
    for start, days in CAMPAIGNS:
        into = start - age_days
        if 0 <= into < len(days):
            factor *= days[int(into)]
    return factor


def _conversation_share() -> float:
    """The share of the span's volume that falls before the conversations' window (weekday rhythm, the
    customers' hours and a day's noise average out; growth and campaigns do not): a constant, so a
    conversation's place in the volume never depends on the day the world is built."""
    steps = SPAN_DAYS * 24
    weights = [_trend_and_campaign((steps - i - 0.5) / 24) for i in range(steps)]
    before = int((SPAN_DAYS - CONVERSATION_DAYS) * 24)
    return sum(weights[:before]) / sum(weights)


CONVERSATIONS_FROM = _conversation_share()


def weekday(ts: int) -> int:
    """0 = Monday (UTC)."""
    return (ts // DAY + 3) % 7  # 1970-01-01 was a Thursday


class Rhythm:
    """The volume of the SPAN_DAYS days before `now`, hour by hour, and the moment at a share of it."""

    def __init__(self, now: int, seed: int) -> None:
        self.now = now
        first = (now - SPAN_DAYS * DAY) // HOUR * HOUR
        self.first = first
        noise: dict[int, float] = {}
        weights = []
        for start in range(first, now, HOUR):
            day = start // DAY
            if day not in noise:  # a calendar day keeps its own busyness whatever day the world is built on
                noise[day] = math.exp(random.Random(seed * 7919 + day).gauss(0, DAY_NOISE))
            age_days = (now - start) / DAY
            weights.append(CUSTOMER_HOURS[start % DAY // HOUR] * WEEKDAY[weekday(start)] * noise[day]
                           * _trend_and_campaign(age_days))
        weights[-1] *= (now - (now - 1) // HOUR * HOUR) / HOUR  # the last hour may be partial
        self.cum = array("d", itertools.accumulate(weights))

    def at(self, share: float) -> int:
        """The moment by which `share` (0..1) of the span's volume has arrived."""
        total = self.cum[-1]
        target = min(max(share, 0.0), 1.0) * total
        i = min(bisect_right(self.cum, target), len(self.cum) - 1)
        before = self.cum[i - 1] if i else 0.0
        width = self.cum[i] - before
        within = (target - before) / width if width > 0 else 0.0
        return min(self.first + i * HOUR + int(within * HOUR), self.now)


def is_weekend(ts: int) -> bool:
    return weekday(ts) >= 5


def staffed_after(t: int, work_s: float, queue_draw: float) -> int:
    """When the team has done `work_s` seconds of (weekday-paced) work on something that arrived at `t`:
    outside the shift it waits for the next one, then sits in the morning queue (`queue_draw` 0..1 says
    where); at weekends work goes slower."""
    queued = False
    while True:
        day = t - t % DAY
        open_h, close_h = SHIFTS[weekday(day)]
        start, end = day + open_h * HOUR, day + close_h * HOUR
        if t >= end:
            t = day + DAY
            continue
        if t < start:
            t = start
            if not queued:
                work_s, queued = work_s + queue_draw * MORNING_QUEUE_S, True
        pace = WEEKEND_PACE if is_weekend(day) else 1.0
        if t + work_s * pace <= end:
            return int(t + work_s * pace)
        work_s -= (end - t) / pace
        t, queued = day + DAY, True  # the rest waits for the next shift, not in the morning queue

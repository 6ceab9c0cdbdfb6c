"""Reporting periods for KPI queries: [from, to) in the agent's time zone, with DST-correct local days.

A period is built from local calendar dates; each local midnight is converted to UTC on its own, so a
day that contains a DST change is 23 or 25 hours long and still one bucket. Trends use day buckets up
to 92 days, weeks (from Monday) up to two years, months beyond, so a long period stays cheap to draw.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PRESETS = ("today", "7d", "30d", "90d")


def resolve_timezone(name: str | None = None) -> ZoneInfo:
    """The named zone, else $TZ, else the system zone (/etc/localtime), else UTC."""
    for candidate in (name, os.environ.get("TZ", "").lstrip(":") or None, _system_zone_name()):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                if candidate is name:
                    raise ValueError(f"unknown time zone {name!r}") from None
    return ZoneInfo("UTC")


def _system_zone_name() -> str | None:
    link = Path("/etc/localtime")
    try:
        target = str(link.resolve())
    except OSError:
        return None
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


def local_midnight(day: date, tz: tzinfo) -> int:
    """Unix seconds of ``day`` 00:00 in ``tz``."""
    return int(datetime.combine(day, time(0), tzinfo=tz).timestamp())


@dataclass(frozen=True)
class Period:
    """Local days [first_day, end_day) in ``tz``; ``start``/``end`` are the UTC Unix seconds bounds."""

    first_day: date
    end_day: date  # exclusive
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if self.end_day <= self.first_day:
            raise ValueError("a period needs --to after --from")

    @property
    def start(self) -> int:
        return local_midnight(self.first_day, self.tz)

    @property
    def end(self) -> int:
        return local_midnight(self.end_day, self.tz)

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range((self.end_day - self.first_day).days)]

    def day_starts(self) -> list[int]:
        """UTC seconds of each local midnight, plus the end: bucket edges for ``day_index``."""
        return [local_midnight(d, self.tz) for d in self.days] + [self.end]

    @property
    def granularity(self) -> str:
        length = (self.end_day - self.first_day).days
        return "day" if length <= 92 else "week" if length <= 731 else "month"

    def buckets(self) -> list[date]:
        """First local day of each trend bucket (the first is always ``first_day``)."""
        if self.granularity == "day":
            return self.days
        starts, day = [self.first_day], self.first_day
        while True:
            if self.granularity == "week":
                day = day + timedelta(days=7 - day.weekday())
            else:
                day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            if day >= self.end_day:
                return starts
            starts.append(day)

    def bucket_edges(self) -> list[int]:
        """UTC seconds where each bucket starts, plus the period's end."""
        return [local_midnight(d, self.tz) for d in self.buckets()] + [self.end]

    def bucket_span(self, first: date) -> tuple[int, int] | None:
        """UTC [start, end) of the bucket starting on ``first``; None when no bucket starts then."""
        starts = self.buckets()
        if first not in starts:
            return None
        i = starts.index(first)
        end = starts[i + 1] if i + 1 < len(starts) else self.end_day
        return local_midnight(first, self.tz), local_midnight(end, self.tz)

    def previous(self) -> Period:
        """The period of the same length just before this one (for the tiles' change)."""
        length = self.end_day - self.first_day
        return Period(self.first_day - length, self.first_day, self.tz)

    def label(self) -> str:
        last = self.end_day - timedelta(days=1)
        return f"{self.first_day.isoformat()} – {last.isoformat()} ({self.tz.key})"


def today(tz: tzinfo, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(tz).date()


def preset_period(preset: str, tz: ZoneInfo, now: datetime | None = None) -> Period:
    """today, 7d, 30d, 90d: the last N local days including today."""
    end = today(tz, now) + timedelta(days=1)
    days = {"today": 1, "7d": 7, "30d": 30, "90d": 90}.get(preset)
    if days is None:
        raise ValueError(f"unknown preset {preset!r} (expected one of {', '.join(PRESETS)})")
    return Period(end - timedelta(days=days), end, tz)


def parse_period(start: str | None, end: str | None, tz: ZoneInfo, now: datetime | None = None) -> Period:
    """From CLI-style dates (YYYY-MM-DD, ``to`` exclusive); defaults: the last 30 days including today."""
    end_day = _day(end, "--to") if end else today(tz, now) + timedelta(days=1)
    first_day = _day(start, "--from") if start else end_day - timedelta(days=30)
    return Period(first_day, end_day, tz)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01") from None

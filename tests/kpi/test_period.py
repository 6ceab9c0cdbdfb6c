"""Local days: presets, parsing, and day buckets that follow each zone's own rules (DST, half-hour offsets)."""

import random
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from deskapp.kpi.compute import compute_dashboard
from deskapp.kpi.period import Period, parse_period, preset_period, resolve_timezone
from tests.kpi.builder import CacheBuilder


def test_a_dst_day_is_23_or_25_hours():
    paris = ZoneInfo("Europe/Paris")
    spring = Period(date(2026, 3, 29), date(2026, 3, 30), paris)
    autumn = Period(date(2026, 10, 25), date(2026, 10, 26), paris)
    assert spring.end - spring.start == 23 * 3600
    assert autumn.end - autumn.start == 25 * 3600
    assert Period(date(2026, 3, 1), date(2026, 4, 1), paris).previous() == Period(
        date(2026, 1, 29), date(2026, 3, 1), paris)


def test_presets_and_parsing():
    tz = ZoneInfo("Pacific/Auckland")
    now = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)  # already 2 July in Auckland
    assert preset_period("today", tz, now) == Period(date(2026, 7, 2), date(2026, 7, 3), tz)
    assert preset_period("7d", tz, now).first_day == date(2026, 6, 26)
    assert parse_period(None, None, tz, now) == Period(date(2026, 6, 3), date(2026, 7, 3), tz)
    assert parse_period("2026-01-01", "2026-02-01", tz).days[-1] == date(2026, 1, 31)
    with pytest.raises(ValueError):
        preset_period("fortnight", tz, now)
    with pytest.raises(ValueError):
        parse_period("2026-02-01", "2026-01-01", tz)
    with pytest.raises(ValueError):
        resolve_timezone("Nowhere/Atlantis")
    assert resolve_timezone("UTC").key == "UTC"


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham",
                                  "America/St_Johns", "UTC"])
def test_volume_days_match_the_zone_calendar(db, zone):
    """Lord Howe moves its clocks by 30 minutes; Chatham is +12:45; St John's -3:30 with DST."""
    tz = ZoneInfo(zone)
    period = Period(date(2026, 3, 1), date(2026, 4, 20), tz)  # DST changes of both hemispheres fall inside
    rng = random.Random(zone)
    times = [rng.randint(period.start, period.end - 1) for _ in range(400)]
    times += [period.day_starts()[i] + d for i in range(1, 50) for d in (-1, 0)]  # both sides of each midnight
    with db.write() as conn:
        b = CacheBuilder(conn)
        for at in times:
            b.conversation(created=at)
    with db.read() as conn:
        volume = compute_dashboard(conn, period, now=period.end).figures["volume"]
    by_day = {d["day"]: d["total"] for d in volume["by_day"]}
    expected = Counter(datetime.fromtimestamp(at, tz).date().isoformat() for at in times)
    assert {d: n for d, n in by_day.items() if n} == dict(expected)


def test_long_periods_trend_by_week_or_month():
    tz = ZoneInfo("Europe/Paris")
    half_year = Period(date(2026, 1, 7), date(2026, 7, 1), tz)
    assert half_year.granularity == "week"
    starts = half_year.buckets()
    assert starts[0] == date(2026, 1, 7) and starts[1] == date(2026, 1, 12)  # then every Monday
    assert all(d.weekday() == 0 for d in starts[1:]) and len(starts) == 26
    decade = Period(date(2020, 2, 15), date(2030, 1, 1), tz)
    assert decade.granularity == "month" and decade.buckets()[:2] == [date(2020, 2, 15), date(2020, 3, 1)]
    assert decade.bucket_span(date(2026, 3, 1)) == (int(datetime(2026, 3, 1, tzinfo=tz).timestamp()),
                                                    int(datetime(2026, 4, 1, tzinfo=tz).timestamp()))
    assert decade.bucket_span(date(2026, 3, 2)) is None


def test_a_century_report_is_quick(db):

    with db.write() as conn:
        b = CacheBuilder(conn)
        for year in range(2001, 2099, 7):
            b.conversation(created=int(datetime(year, 6, 1, tzinfo=UTC).timestamp()))
    with db.read() as conn:
        figures = compute_dashboard(conn, Period(date(2000, 1, 1), date(2100, 1, 1), ZoneInfo("UTC"))).figures
    assert figures["volume"]["granularity"] == "month" and len(figures["volume"]["by_day"]) == 1200
    assert figures["volume"]["total"] == 14 and sum(d["total"] for d in figures["volume"]["by_day"]) == 14

"""The KPI figures read from the daily rollups: counts exact and quantiles within tolerance of the exact path,
in a non-UTC zone across DST; the periods, zones, targets and filters that take the exact path instead."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskapp.kpi import day_figures, day_rollup
from deskapp.kpi.compute import compute_dashboard, headline
from deskapp.kpi.definitions import percentiles
from deskapp.kpi.period import Period
from deskapp.kpi.scope import Filters
from tests.kpi.day_cache import NOW, PARIS, PERIOD, TARGETS, assert_agree, close, exact_figures, fill_paris


@pytest.fixture(autouse=True)
def _rollups_for_any_size(monkeypatch):
    """These caches are tiny: let the rollups answer however few conversations a period holds."""
    monkeypatch.setattr(day_figures, "EXACT_UP_TO", 0)


def test_counts_are_exact_and_quantiles_within_tolerance_in_a_non_utc_zone(db):
    fill_paris(db)
    with db.read() as conn:
        fast = compute_dashboard(conn, PERIOD, now=NOW).figures
    assert_agree(fast, exact_figures(db))
    by_day = {d["day"]: d["total"] for d in fast["volume"]["by_day"]}
    # 23:59 and 00:00 Paris fall on two local days; the 23-hour DST day is one bucket
    assert by_day["2026-03-28"] == 1 and by_day["2026-03-29"] == 2 and by_day["2026-03-31"] == 1
    assert by_day["2026-05-31"] == 1 and "2026-02-28" not in by_day
    assert fast["volume"]["total"] == sum(by_day.values())
    # a period that starts and ends inside months reads the day rows at its edges, the month rows between
    part = Period(date(2026, 3, 29), date(2026, 5, 1), ZoneInfo(PARIS))
    with db.read() as conn:
        assert day_figures.usable(conn, part, Filters(), TARGETS) == ("all", ())
        partial = compute_dashboard(conn, part, now=NOW).figures
    assert_agree(partial, exact_figures(db, part))
    assert partial["volume"]["total"] == sum(n for d, n in by_day.items() if "2026-03-29" <= d < "2026-05-01")


def test_headline_of_one_scope_matches_the_exact_path(db):
    ada, _ben, team = fill_paris(db)
    for filters in (Filters(), Filters(agent_ids=(ada,)), Filters(team_ids=(team,)), Filters(channels=("email",))):
        with db.read() as conn:
            assert day_figures.usable(conn, PERIOD, filters, TARGETS) is not None
            fast = headline(conn, PERIOD, filters, now=NOW)
        exact = exact_figures(db, filters=filters)
        assert fast["resolution"]["count"] == exact["resolution"]["count"]
        assert fast["fcr_counts"] == exact["fcr_counts"] and fast["volume"] == {"total": exact["volume"]["total"]}
        assert close(fast["frt"]["median_s"], exact["frt"]["median_s"])


def test_small_periods_other_zones_and_mixed_filters_take_the_exact_path(db, monkeypatch):
    ada, _ben, team = fill_paris(db)
    utc = Period(PERIOD.first_day, PERIOD.end_day, ZoneInfo("UTC"))
    with db.read() as conn:
        assert day_figures.usable(conn, utc, Filters(), TARGETS) is None
        assert day_figures.usable(conn, PERIOD, Filters(agent_ids=(ada,), team_ids=(team,)), TARGETS) is None
        assert day_figures.usable(conn, PERIOD, Filters(labels=("vip",)), TARGETS) is None
        assert day_figures.usable(conn, PERIOD, Filters(), {**TARGETS, "email": 60}) is None
        assert compute_dashboard(conn, utc, now=NOW).figures == exact_figures(db, utc)
    with db.read() as conn:
        created = compute_dashboard(conn, PERIOD, now=NOW).figures["volume"]["total"]
    monkeypatch.setattr(day_figures, "EXACT_UP_TO", created - 1)
    with db.read() as conn:
        assert day_figures.usable(conn, PERIOD, Filters(), TARGETS) == ("all", ())
    monkeypatch.setattr(day_figures, "EXACT_UP_TO", created)
    with db.read() as conn:
        assert day_figures.usable(conn, PERIOD, Filters(), TARGETS) is None
        assert compute_dashboard(conn, PERIOD, now=NOW).figures == exact_figures(db)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40 * 86400), min_size=1, max_size=300))
def test_histogram_quantiles_stay_within_tolerance(values):
    edges = day_rollup.bucket_edges()
    histogram = day_figures.Histogram()
    for v in values:
        histogram.add(max(i for i, lo in enumerate(edges) if lo <= v), 1)
    for got, exact in zip(histogram.percentiles(), percentiles(values), strict=True):
        assert close(got, exact), (got, exact)
        if max(values) < day_rollup.EXACT_BELOW:
            assert got == exact  # one bucket per second below 32 s

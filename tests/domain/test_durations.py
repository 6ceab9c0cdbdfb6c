"""Durations as the inbox (compact) and the KPI figures (precise) show them, at each unit's edges."""

from __future__ import annotations

import pytest

from deskapp.domain.durations import duration_text


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (59.9, "59s"), (60, "1m"), (3599, "59m"), (3600, "1h"), (86399, "23h"), (86400, "1d"),
    (10 * 86400, "10d"), (-5, "-5s"),
])
def test_compact_keeps_whole_units_of_the_largest_unit_reached(seconds, text) -> None:
    assert duration_text(seconds, compact=True) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "–"), (0, "0 s"), (119, "119 s"), (120, "2.0 min"), (750, "12.5 min"), (7199, "120.0 min"),
    (7200, "2.0 h"), (172799, "48.0 h"), (172800, "2.0 d"), (-30, "-30 s"),
])
def test_precise_shows_one_decimal_in_a_unit_the_span_is_twice(seconds, text) -> None:
    assert duration_text(seconds) == text


def test_none_reads_as_a_dash_in_both_forms() -> None:
    assert duration_text(None, compact=True) == "–"

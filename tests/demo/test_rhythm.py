"""demo.rhythm: when things happen in the demo world (the volume over the span, placed by a monotone map) and
when the support team has worked something through (shifts, the morning queue, slower weekends)."""

from __future__ import annotations

from deskapp.demo.rhythm import (
    DAY,
    HOUR,
    MORNING_QUEUE_S,
    SPAN_DAYS,
    WEEKEND_PACE,
    Rhythm,
    is_weekend,
    staffed_after,
    weekday,
)
from tests.demo.conftest import PINNED_NOW  # 2025-06-02 12:00 UTC, a Monday

MONDAY = PINNED_NOW - PINNED_NOW % DAY


def test_weekdays_count_from_monday_in_utc():
    assert weekday(0) == 3  # 1970-01-01 was a Thursday
    assert weekday(PINNED_NOW) == 0 and not is_weekend(PINNED_NOW)
    assert [is_weekend(MONDAY + d * DAY) for d in range(7)] == [False] * 5 + [True, True]


def test_the_span_is_mapped_monotonically_onto_time_up_to_now():
    rhythm = Rhythm(PINNED_NOW, seed=7)
    assert rhythm.first == (PINNED_NOW - SPAN_DAYS * DAY) // HOUR * HOUR
    moments = [rhythm.at(i / 200) for i in range(201)]
    assert moments == sorted(moments)
    assert moments[0] == rhythm.first and moments[-1] == PINNED_NOW
    assert rhythm.at(-0.5) == moments[0] and rhythm.at(7.0) == PINNED_NOW  # shares out of range are clamped


def test_the_same_seed_and_now_give_the_same_world_and_another_seed_another():
    one, again, other = Rhythm(PINNED_NOW, 1), Rhythm(PINNED_NOW, 1), Rhythm(PINNED_NOW, 2)
    shares = [i / 37 for i in range(38)]
    assert [one.at(s) for s in shares] == [again.at(s) for s in shares]
    assert [one.at(s) for s in shares] != [other.at(s) for s in shares]


def test_customers_write_more_by_day_than_at_night():
    rhythm = Rhythm(PINNED_NOW, seed=3)
    hours = [rhythm.at(i / 5000) % DAY // HOUR for i in range(5000)]
    night = sum(1 for h in hours if 2 <= h < 6)
    day = sum(1 for h in hours if 10 <= h < 14)
    assert day > 4 * night


def test_work_inside_a_shift_is_done_after_its_own_time():
    assert staffed_after(MONDAY + 10 * HOUR, 600, 0.5) == MONDAY + 10 * HOUR + 600


def test_what_arrives_at_night_waits_for_the_shift_and_its_morning_queue():
    done = staffed_after(MONDAY + 3 * HOUR, 600, 0.5)
    assert done == MONDAY + 6 * HOUR + 600 + int(0.5 * MORNING_QUEUE_S)


def test_work_at_the_weekend_goes_slower():
    saturday = MONDAY + 5 * DAY + 10 * HOUR
    assert staffed_after(saturday, 1000, 0) == saturday + int(1000 * WEEKEND_PACE)


def test_work_left_at_closing_time_goes_on_in_the_next_shift_without_the_morning_queue():
    late = MONDAY + 23 * HOUR + 50 * 60  # ten minutes before closing, twenty minutes of work
    assert staffed_after(late, 1200, 1.0) == MONDAY + DAY + 6 * HOUR + 600

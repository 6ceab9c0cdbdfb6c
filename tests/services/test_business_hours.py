"""services.business_hours: an inbox's working hours as Chatwoot keeps them, in the inbox's time zone."""

from __future__ import annotations

from deskapp.services.business_hours import within_working_hours
from tests.demo.conftest import PINNED_NOW


def test_business_hours_follow_the_inbox_in_its_time_zone():
    monday_noon_utc = PINNED_NOW  # 2025-06-02 12:00 UTC, a Monday: 14:00 in Berlin
    hours = [{"day_of_week": 1, "open_hour": 9, "open_minutes": 0, "close_hour": 13, "close_minutes": 30}]
    inbox = {"working_hours_enabled": True, "timezone": "Europe/Berlin", "working_hours": hours}
    assert not within_working_hours(inbox, monday_noon_utc)
    assert within_working_hours(dict(inbox, timezone="UTC"), monday_noon_utc)
    assert within_working_hours(dict(inbox, working_hours_enabled=False), monday_noon_utc)
    assert within_working_hours({**inbox, "working_hours": [{"day_of_week": 1, "open_all_day": True}]},
                                monday_noon_utc)
    assert not within_working_hours({**inbox, "working_hours": []}, monday_noon_utc)  # no row: closed
    late = [dict(hours[0], close_hour=18)]
    assert within_working_hours(dict(inbox, timezone="Nowhere/City", working_hours=late), monday_noon_utc)

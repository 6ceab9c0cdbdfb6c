"""Whether an inbox is within its working hours, as Chatwoot models them (Inbox#working_hours_enabled,
timezone, and one WorkingHour row per day: day_of_week 0 = Sunday, open/close hour and minutes, open or
closed all day), for the agent bot and anything else that must respect them."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown inbox timezone %r: working hours read in UTC", name)
        return ZoneInfo("UTC")


def _minutes(hour: Any, minute: Any) -> int | None:
    if not isinstance(hour, int) or isinstance(hour, bool):
        return None
    return hour * 60 + (minute if isinstance(minute, int) and not isinstance(minute, bool) else 0)


def within_working_hours(inbox: dict[str, Any], now: float) -> bool:
    """True when the inbox keeps no working hours, or ``now`` (a Unix time) falls within today's."""
    if not inbox.get("working_hours_enabled"):
        return True
    local = datetime.fromtimestamp(now, _zone(inbox.get("timezone")))
    wday = (local.weekday() + 1) % 7  # Ruby's wday: Sunday is 0
    rows = inbox.get("working_hours")
    rows = rows if isinstance(rows, list) else []
    today = next((r for r in rows if isinstance(r, dict) and r.get("day_of_week") == wday), None)
    if today is None or today.get("closed_all_day"):
        return False
    if today.get("open_all_day"):
        return True
    opens = _minutes(today.get("open_hour"), today.get("open_minutes"))
    closes = _minutes(today.get("close_hour"), today.get("close_minutes"))
    if opens is None or closes is None:
        return False
    return opens <= local.hour * 60 + local.minute < closes

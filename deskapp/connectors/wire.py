"""Tolerant readers of wire values (times, ids, nested keys) shared by the connector mapping modules."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from deskapp.domain import Identity
from deskapp.domain.identity import email_identity, phone_identity

log = logging.getLogger("deskapp.connectors")

_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def warn_once(field: str, value: object, default: object) -> None:
    """Log an unexpected enum value once per process (a page of 1000 such records must not spam the log)."""
    key = (field, repr(value)[:80])
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning("unknown %s %r: using %r", field, value, default)


def parse_time(value: Any) -> datetime | None:
    """Unix seconds (int/float/numeric text; milliseconds when implausibly large) or ISO-8601 -> aware UTC."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit():
            number = float(value.strip())
        elif isinstance(value, str):
            text = value.strip().replace("Z", "+00:00").replace(" UTC", "+00:00")
            parsed = datetime.fromisoformat(text)
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
        else:
            return None
        if number > 1e11:  # milliseconds since the epoch
            number /= 1000.0
        return datetime.fromtimestamp(number, UTC)
    except (ValueError, OverflowError, OSError):
        return None


EARLIEST_REAL = datetime(2000, 1, 1, tzinfo=UTC)


def real_time(value: Any) -> datetime | None:
    """A time that marks an event, or None for the "never" encodings: null, absent, garbage, and 0 or a
    negative number. Chatwoot renders unset times with ``.to_i``, so "no human replied yet" arrives as 0;
    read as a time that would be 1970-01-01 (no help desk recorded anything before 2000)."""
    when = parse_time(value)
    return when if when is not None and when >= EARLIEST_REAL else None


def id_text(value: Any) -> str | None:
    """A remote id as the text the store keys on (3 and "3" are the same id); None when absent."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | float | str):
        return str(value).strip() or None
    return None


def dig(data: Any, *keys: str | int) -> Any:
    """data[k1][k2]... or None when any level is missing or of the wrong type."""
    for key in keys:
        if isinstance(key, int) and isinstance(data, list) and -len(data) <= key < len(data):
            data = data[key]
        elif isinstance(key, str) and isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def text(value: Any) -> str:
    """A string field that may be missing, null or (wrongly) a number."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def as_int(value: Any, default: int = 0) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return default


def as_float(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return default


def as_dict(value: Any) -> dict[str, Any]:
    """A JSON object as it came, or an empty one for anything else (null, a list, a string)."""
    return value if isinstance(value, dict) else {}


def map_each(items: list[Any], mapper: Callable[[Any], Any], what: str) -> list[Any]:
    """Map every item; one that cannot be mapped (a ValueError such as Unmappable, or a wrong shape) is
    logged and skipped, never the whole page."""
    out = []
    for item in items:
        try:
            out.append(mapper(item))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            log.warning("skipping a %s record: %s", what, exc)
    return out


@lru_cache(maxsize=65536)
def identities(email: str, phone: str) -> tuple[Identity, ...]:
    """Normalised email + phone identities. Cached: the same customer comes with every conversation
    and order, and phone parsing costs tens of microseconds."""
    found = (email_identity(email) if email else None, phone_identity(phone) if phone else None)
    return tuple(i for i in found if i is not None)

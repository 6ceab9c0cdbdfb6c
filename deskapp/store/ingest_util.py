"""Shared pieces of ingest (store.ingest, store.ingest_extras) and of the other store modules: time and enum
coercion, batching (``chunks`` of values for IN lists), ids (``id_map``).

``AppliedChanges`` is what one applied batch changed; the sync engine hands it to apply hooks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Connection

from deskapp.domain import Message, Template

log = logging.getLogger("deskapp.store.ingest")

LOCAL_PREFIX = "local:"  # external ids of rows written offline before the service gave them one
SNIPPET_CHARS = 160
_CHUNK = 500

E = TypeVar("E", bound=StrEnum)
D = TypeVar("D")
T = TypeVar("T")


@dataclass
class AppliedChanges:
    """What one applied batch changed, for hooks that run in the same transaction (triage, KPI)."""

    account_id: int
    stream: str = ""
    conversation_ids: list[int] = field(default_factory=list)
    new_message_ids: list[int] = field(default_factory=list)
    new_inbound_message_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)
    survey_ids: list[int] = field(default_factory=list)
    records: int = 0
    duplicates: int = 0  # server copies of a message already held (email), shown once
    not_imported: int = 0  # items the connector could not turn into records, kept aside to retry

    @property
    def empty(self) -> bool:
        return not (self.conversation_ids or self.new_message_ids or self.order_ids or self.customer_ids
                    or self.survey_ids)


def ts(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:  # connectors should send aware times; a naive one is taken as UTC
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


EARLIEST_REAL = 946684800  # 2000-01-01: an earlier "time" is an encoding of "never" (0 from Chatwoot's .to_i)


def real_ts(value: datetime | None) -> int | None:
    """ts() of a time that marks an event; None for 1970 and other impossible values."""
    stamp = ts(value)
    return stamp if stamp is not None and stamp >= EARLIEST_REAL else None


def enum_or(kind: type[E], value: Any, default: D) -> E | D:
    if type(value) is kind:  # the usual case, and a thousand times a page: skip the enum lookup
        return value
    try:
        return kind(value)
    except ValueError:
        log.debug("unknown %s value %r, using %s", kind.__name__, value, default)
        return default


def chunks(values: list[T], size: int = _CHUNK) -> Iterable[list[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def many(conn: Connection, sql: str, rows: Sequence[Sequence[Any]] | Sequence[Mapping[str, Any]]) -> None:
    """executemany, skipped when there is nothing to write (an empty page is normal)."""
    if rows:
        conn.exec_driver_sql(sql, rows)


def dedupe(records: list[T], key: str = "external_id") -> list[T]:
    """The same item on two pages or twice in one page: the last copy wins, order kept."""
    return list({getattr(r, key): r for r in records}.values())


def id_map(conn: Connection, table: str, account_id: int, external_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(external_ids):
        marks = ",".join("?" * len(chunk))
        found.update(conn.exec_driver_sql(
            f'SELECT external_id, id FROM "{table}" WHERE account_id = ? AND external_id IN ({marks})',
            (account_id, *chunk),
        ).tuples().all())
    return found


def valid(record: Any) -> bool:
    """A record without its own id (or a message without its conversation's) cannot be upserted."""
    if isinstance(record, Template):
        return bool(record.name)
    if not isinstance(getattr(record, "external_id", None), str) or not record.external_id:
        return not hasattr(record, "external_id")  # foreign objects are reported as unknown types
    if isinstance(record, Message):
        return isinstance(record.conversation_external_id, str) and bool(record.conversation_external_id)
    return True



"""Inbox views for the UI and the `conversations` verb: view filters, live counts, id lists and list rows.

Saved views are the agent's own and live in the profile; everything else is read from the cache by
deskapp.store.inbox_rows and deskapp.store.team_directory.

The conversation list holds only ids (``view_ids``); rows are read in small pages by id
(``rows_for``) as the viewport needs them, so memory follows the screen, not the cache.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deskapp.domain.durations import duration_text
from deskapp.domain.enums import Channel, Status
from deskapp.domain.sla import clock_state
from deskapp.store import inbox_rows, profile_records, team_directory
from deskapp.store.engine import Database
from deskapp.store.inbox_rows import SORT_COLUMNS as SORT_COLUMNS  # the UI's sort picker offers these keys
from deskapp.store.inbox_rows import ConversationRow as ConversationRow  # the UI's rows and view filters
from deskapp.store.inbox_rows import ViewFilter as ViewFilter
from deskapp.store.profile import ProfileStore

OPEN_STATUSES = (Status.OPEN.value, Status.PENDING.value)


@dataclass(frozen=True)
class View:
    key: str
    title: str
    filter: ViewFilter
    saved: bool = False


def builtin_views(channels: list[str]) -> list[View]:
    """Mine, Unassigned, All open, Urgent, one per channel present, Snoozed, Resolved."""
    views = [
        View("mine", "Mine", ViewFilter(statuses=OPEN_STATUSES, assignee="me")),
        View("unassigned", "Unassigned", ViewFilter(statuses=OPEN_STATUSES, assignee="none")),
        View("open", "All open", ViewFilter(statuses=OPEN_STATUSES)),
        View("urgent", "Urgent", ViewFilter(statuses=OPEN_STATUSES, urgent=True)),
    ]
    order = [c.value for c in Channel]
    for ch in sorted(channels, key=lambda c: order.index(c) if c in order else len(order)):
        views.append(View(f"channel:{ch}", channel_title(ch), ViewFilter(statuses=OPEN_STATUSES, channel=ch)))
    views.append(View("snoozed", "Snoozed", ViewFilter(statuses=(Status.SNOOZED.value,))))
    views.append(View("resolved", "Resolved", ViewFilter(statuses=(Status.RESOLVED.value,))))
    return views


def channel_title(channel: str) -> str:
    return {"web_chat": "Web chat", "whatsapp": "WhatsApp", "sms": "SMS", "api": "API"}.get(
        channel, channel.replace("_", " ").capitalize())


def view_counts(db: Database, views: list[View]) -> dict[str, int]:
    """Every view's count in ONE scan (a SUM per view), so the sidebar costs one query."""
    if not views:
        return {}
    counts = inbox_rows.view_counts(db, [view.filter for view in views])
    return {view.key: counts[i] for i, view in enumerate(views)}


def channels_present(db: Database) -> list[str]:
    return inbox_rows.channels(db)


def view_ids(db: Database, f: ViewFilter, *, sort: str = "last_message_at", descending: bool = True,
             limit: int | None = None) -> list[int]:
    """The ids of a view in display order (the list model's backbone)."""
    return inbox_rows.view_ids(db, f, sort=sort, descending=descending, limit=limit)


def rows_for(db: Database, ids: list[int]) -> dict[int, ConversationRow]:
    """The list rows of these ids (a page: primary-key lookups, a millisecond or two)."""
    if not ids:
        return {}
    return inbox_rows.rows(db, ids)


def sla_text(row: ConversationRow, now: float | None = None) -> str:
    """'SLA 12m' before the first response is due, 'SLA -5m' once breached, '' when answered, resolved or none."""
    due = row.sla_due_at
    if due is None or not sla_level(row, now):
        return ""
    left = int(due - (time.time() if now is None else now))
    return f"SLA {'-' if left < 0 else ''}{duration_text(abs(left), compact=True)}"


def sla_level(row: ConversationRow, now: float | None = None) -> str:
    """'' (no first-response clock running), 'ok', 'at_risk' (half the target gone) or 'breaching': the
    dashboard's "at risk now" and "breaching now" rule (deskapp.domain.sla.clock_state)."""
    return clock_state(row.sla_due_at, row.sla_target_s, time.time() if now is None else now, row.status)


def relative_time(at: int | None, now: float) -> str:
    """How long ago, as a list reads it: 'now', '12m', '3h', '5d' within a week, then the date
    ('28 Nov', or '28 Nov 2025' in another year)."""
    if not at:
        return ""
    ago = now - at
    if ago < 60:
        return "now"
    if ago < 7 * 86400:
        return duration_text(ago, compact=True)
    day = datetime.fromtimestamp(at)
    label = f"{day.day} {day:%b}"
    return label if day.year == datetime.fromtimestamp(now).year else f"{label} {day.year}"


def mark_read(db: Database, conversation_id: int) -> None:
    """Opening a conversation clears its unread count locally (the hub tracks its own)."""
    inbox_rows.clear_unread(db, conversation_id)


def updated_since(db: Database, ids: list[int], since: int) -> list[int]:
    """Those of ``ids`` changed at or after ``since`` (Unix seconds), in the given order."""
    if not ids:
        return []
    fresh = inbox_rows.updated_since(db, ids, since)
    return [i for i in ids if i in fresh]


def conversation_by_external_id(db: Database, external_id: str) -> int | None:
    """The local id of a conversation known by its service's id (the outbox panel's links)."""
    return inbox_rows.conversation_id_by_external(db, external_id)


# --- people to assign to, labels to offer ---------------------------------------------------------


def agents(db: Database) -> list[dict[str, Any]]:
    return team_directory.agents(db)


def teams(db: Database) -> list[dict[str, Any]]:
    return team_directory.teams(db)


def known_labels(db: Database) -> list[str]:
    return team_directory.frequent_labels(db)


def my_agent_ids(db: Database) -> set[int]:
    return team_directory.my_agent_ids(db)


@dataclass(frozen=True)
class Directory:
    """What the pickers offer (agents, teams, the labels in use) and which agents are the one signed in:
    read with the view counts, so that opening a picker reads nothing."""

    agents: tuple[dict[str, Any], ...] = ()
    teams: tuple[dict[str, Any], ...] = ()
    labels: tuple[str, ...] = ()
    me: frozenset[int] = frozenset()


def directory(db: Database) -> Directory:
    return Directory(tuple(agents(db)), tuple(teams(db)), tuple(known_labels(db)), frozenset(my_agent_ids(db)))


# --- saved views ------------------------------------------------------------------------------------


def saved_views(profile: ProfileStore) -> list[View]:
    """The agent's saved views (kept in the profile), in the order they were made."""
    with profile.read() as conn:
        items = profile_records.saved_views(conn)
    return [View(f"saved:{name}", name, ViewFilter.from_json(f), saved=True) for name, f in items]


def save_view(profile: ProfileStore, name: str, f: ViewFilter) -> None:
    """Add or replace a saved view by name."""
    name = name.strip()
    if not name:
        raise ValueError("a saved view needs a name")
    with profile.write() as conn:
        profile_records.put_saved_view(conn, name, f.to_json())


def delete_view(profile: ProfileStore, name: str) -> None:
    with profile.write() as conn:
        profile_records.delete_saved_view(conn, name)


# --- the `conversations` verb -----------------------------------------------------------------------


def list_conversations(db: Database, *, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first: local id, account, external_id, channel, status, customer, subject, last activity."""
    return inbox_rows.newest(db, status=status, limit=max(1, int(limit)))

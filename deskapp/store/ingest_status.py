"""Resolution times and reopenings read from a conversation's messages, for store.ingest.

Services that keep no resolution time (Chatwoot: no ``resolved_at``, and ``updated_at`` moves with every
later message, note or survey) record each status change as an activity notice; the connector tags
those with ``status_event``. Walking a conversation's notices and customer messages in order gives:

- a ``resolved`` event at each resolution notice;
- a ``reopened`` event at each notice that leaves the resolved state, and at the first customer message
  after a resolution (the service reopens a resolved conversation when the customer writes, often
  without a notice);
- ``resolved_at``: the last resolution, when the conversation is resolved and was not reopened since.
  A resolved conversation whose notices were not recognised (another language) takes its last activity
  notice at or after the customer's last message, which is where the status change wrote one; failing
  that, the time already held (a resolution made here, offline).

Events written here carry ``value = 'notice'`` and are brought in line with the messages on every refresh,
writing only the ones that changed; events the ingest observed between two pulls stay as they are.
Conversations without any activity notice (mail) are left alone.
"""

from __future__ import annotations

from sqlalchemy import Connection

from deskapp.store.ingest_util import chunks, many

SOURCE = "notice"


def _walk(rows: list[tuple[int, str, str | None]]) -> tuple[list[tuple[str, int]], int | None, int | None]:
    """(events, time of the last resolution still standing, fallback resolution time) of one conversation's
    (sent_at, direction, status_event) rows in order."""
    events: list[tuple[str, int]] = []
    resolved_at: int | None = None
    last_activity: int | None = None  # the last notice since the customer's latest message so far
    for at, direction, event in rows:
        if event == "resolved":
            events.append(("resolved", at))
            resolved_at = at
        elif resolved_at is not None and (event == "reopened" or direction == "in"):
            events.append(("reopened", at))
            resolved_at = None
        if direction == "in":  # a notice before the customer's message (not the same second) no longer counts
            if last_activity is not None and last_activity < at:
                last_activity = None
        elif direction == "activity":
            last_activity = at
    return events, resolved_at, last_activity


def refresh_resolutions(conn: Connection, conversation_ids: list[int]) -> None:
    """Recompute resolution times and notice events of these conversations (caller's transaction)."""
    for chunk in chunks(sorted(set(conversation_ids))):
        marks = ",".join("?" * len(chunk))
        with_notices = [r[0] for r in conn.exec_driver_sql(
            f"SELECT DISTINCT conversation_id FROM message WHERE conversation_id IN ({marks})"
            " AND direction = 'activity'", tuple(chunk)).all()]
        if not with_notices:
            continue
        marks = ",".join("?" * len(with_notices))
        rows: dict[int, list[tuple[int, str, str | None]]] = {cid: [] for cid in with_notices}
        for cid, at, direction, event in conn.exec_driver_sql(
            "SELECT conversation_id, sent_at, direction, status_event FROM message"
            f" WHERE conversation_id IN ({marks}) AND direction IN ('in', 'activity')"
            " ORDER BY conversation_id, sent_at, id", tuple(with_notices)).all():
            rows[cid].append((at, direction, event))
        states: dict[int, str] = dict(conn.exec_driver_sql(
            f"SELECT id, status FROM conversation WHERE id IN ({marks})", tuple(with_notices)).tuples().all())
        kept: dict[tuple[int, str, int], list[int]] = {}
        for event_id, cid, kind, at in conn.exec_driver_sql(
                f"SELECT id, conversation_id, kind, at FROM conversation_event WHERE conversation_id IN ({marks})"
                " AND value = ?", (*with_notices, SOURCE)).all():
            kept.setdefault((cid, kind, at), []).append(event_id)
        inserts, updates = [], []
        for cid in with_notices:
            events, standing, fallback = _walk(rows[cid])
            for kind, at in events:
                # an event already held stays as it is: a refresh that changes nothing writes nothing
                held = kept.get((cid, kind, at))
                if held:
                    held.pop()
                else:
                    inserts.append((cid, kind, at, None, SOURCE))
            if states.get(cid) == "resolved":
                updates.append((standing, fallback, cid, standing, fallback))
        many(conn, "DELETE FROM conversation_event WHERE id = ?", [(i,) for ids in kept.values() for i in ids])
        many(conn, "INSERT INTO conversation_event (conversation_id, kind, at, agent_id, value) VALUES (?, ?, ?, ?, ?)",
             inserts)
        many(conn, "UPDATE conversation SET resolved_at = coalesce(?, ?, resolved_at)"
             " WHERE id = ? AND resolved_at IS NOT coalesce(?, ?, resolved_at)", updates)

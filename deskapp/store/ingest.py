"""Applies pulled domain records to the cache, for the sync engine: batched upserts plus the cursor.

``apply_batch`` upserts every record type by (account, external_id) with executemany-style
statements and writes the stream cursor in the caller's transaction, so a page and its cursor are
committed together or not at all. It also keeps the conversation's denormalised fields (snippet,
counts, first response, the first-response deadline, labels, status events) in step; message_fts follows
through triggers.
Connectors hand over records as they parse them, so ingest is defensive: duplicates in a page, stale
pages and unknown enum values are absorbed here rather than failing a sync.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row

from deskapp.domain import (
    Agent,
    AuthorKind,
    Channel,
    Contact,
    Conversation,
    DeliveryState,
    Direction,
    Message,
    Order,
    Priority,
    Status,
    StatusEvent,
    SurveyResponse,
    Team,
    Template,
)
from deskapp.domain.mail import ImportTally
from deskapp.store import accounts, customers, ingest_extras, sla_clock
from deskapp.store.ingest_status import refresh_resolutions
from deskapp.store.ingest_util import (
    LOCAL_PREFIX,
    SNIPPET_CHARS,
    AppliedChanges,
    chunks,
    dedupe,
    enum_or,
    id_map,
    many,
    real_ts,
    ts,
    valid,
)

log = logging.getLogger(__name__)

__all__ = ["LOCAL_PREFIX", "AppliedChanges", "apply_batch", "refresh_conversation_summaries"]


def apply_batch(conn: Connection, account_id: int, records: Sequence[object], *, stream: str,
                cursor: str | None) -> AppliedChanges:
    """Upserts ``records`` (any domain record types, mixed) and stores ``cursor`` for ``stream``."""
    changes = AppliedChanges(account_id=account_id, stream=stream, records=len(records))
    groups: dict[type, list[Any]] = {}
    for record in records:
        if not valid(record):
            log.warning("dropping a %s without the ids it needs on %s", type(record).__name__, stream)
            continue
        groups.setdefault(type(record), []).append(record)
    for tally in groups.pop(ImportTally, ()):
        changes.duplicates += tally.duplicates
        changes.not_imported += tally.not_imported
    unknown = set(groups) - {Agent, Team, Contact, Template, Conversation, Message, Order, SurveyResponse}
    if unknown:
        log.warning("ignoring records of unknown types %s on %s", sorted(t.__name__ for t in unknown), stream)
    touched: set[int] = set()
    if Agent in groups:
        ingest_extras.apply_agents(conn, account_id, dedupe(groups[Agent]))
    if Team in groups:
        ingest_extras.apply_teams(conn, account_id, dedupe(groups[Team]))
    if Contact in groups:
        mapping = customers.upsert_contacts(conn, account_id, groups[Contact])
        changes.customer_ids.extend(sorted(set(mapping.values())))
    if Template in groups:
        ingest_extras.apply_templates(conn, account_id, groups[Template])
    if Conversation in groups:
        touched.update(_apply_conversations(conn, account_id, dedupe(groups[Conversation])))
    if Message in groups:
        touched.update(_apply_messages(conn, account_id, dedupe(groups[Message]), changes))
    if Order in groups:
        changes.order_ids.extend(ingest_extras.apply_orders(conn, account_id, dedupe(groups[Order]), changes))
    if SurveyResponse in groups:
        changes.survey_ids.extend(ingest_extras.apply_surveys(conn, account_id, dedupe(groups[SurveyResponse])))
    changes.conversation_ids = sorted(touched)
    sla_clock.refresh(conn, touched)  # a new inbound message starts a clock, a human reply stops it
    accounts.set_cursor(conn, account_id, stream, cursor)
    return changes


# --- conversations -----------------------------------------------------------------------------

_CONVERSATION_UPSERT = (
    "INSERT INTO conversation (account_id, external_id, customer_id, channel, inbox_name, subject, status,"
    " priority, assignee_id, team_id, labels, created_at, updated_at, first_response_at, resolved_at,"
    " last_message_at, snoozed_until, unread)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(account_id, external_id) DO UPDATE SET"
    " customer_id = coalesce(excluded.customer_id, conversation.customer_id), channel = excluded.channel,"
    " inbox_name = excluded.inbox_name, subject = excluded.subject, status = excluded.status,"
    " priority = excluded.priority, assignee_id = excluded.assignee_id, team_id = excluded.team_id,"
    " labels = excluded.labels, created_at = excluded.created_at, updated_at = excluded.updated_at,"
    # the messages we hold are the better witness of the first reply than the service's summary
    " first_response_at = coalesce((SELECT min(m.sent_at) FROM message m WHERE m.conversation_id = conversation.id"
    "   AND m.direction = 'out' AND m.automated = 0), excluded.first_response_at, conversation.first_response_at),"
    " resolved_at = excluded.resolved_at,"
    " last_message_at = coalesce(max(excluded.last_message_at, conversation.last_message_at),"
    "   excluded.last_message_at, conversation.last_message_at),"
    " snoozed_until = excluded.snoozed_until, unread = excluded.unread"
    # a stale page (an older copy than the one we hold) never rolls a conversation back
    " WHERE excluded.updated_at >= conversation.updated_at"
    # and the copy we hold, seen again, rewrites nothing (a rewrite moves the KPI rows and their indexes)
    " AND (conversation.updated_at IS NOT excluded.updated_at"
    " OR conversation.customer_id IS NOT coalesce(excluded.customer_id, conversation.customer_id)"
    " OR conversation.channel IS NOT excluded.channel OR conversation.inbox_name IS NOT excluded.inbox_name"
    " OR conversation.subject IS NOT excluded.subject OR conversation.status IS NOT excluded.status"
    " OR conversation.priority IS NOT excluded.priority OR conversation.assignee_id IS NOT excluded.assignee_id"
    " OR conversation.team_id IS NOT excluded.team_id OR conversation.labels IS NOT excluded.labels"
    " OR conversation.created_at IS NOT excluded.created_at OR conversation.resolved_at IS NOT excluded.resolved_at"
    " OR conversation.snoozed_until IS NOT excluded.snoozed_until OR conversation.unread IS NOT excluded.unread"
    " OR coalesce(excluded.last_message_at > conversation.last_message_at,"
    "   excluded.last_message_at IS NOT NULL AND conversation.last_message_at IS NULL)"
    " OR conversation.first_response_at IS NOT coalesce((SELECT min(m.sent_at) FROM message m"
    "   WHERE m.conversation_id = conversation.id AND m.direction = 'out' AND m.automated = 0),"
    "   excluded.first_response_at, conversation.first_response_at))"
)


def _apply_conversations(conn: Connection, account_id: int, convs: list[Conversation]) -> set[int]:
    exts = [c.external_id for c in convs]
    existing: dict[str, Row[Any]] = {}
    for chunk in chunks(exts):
        marks = ",".join("?" * len(chunk))
        for row in conn.exec_driver_sql(
            "SELECT external_id, id, status, updated_at, assignee_id, resolved_at, subject, customer_id"
            f" FROM conversation WHERE account_id = ? AND external_id IN ({marks})", (account_id, *chunk),
        ).all():
            existing[row[0]] = row
    contact_customer = customers.ensure_contacts(conn, account_id, [c.contact_external_id or "" for c in convs])
    agents: dict[str, int] = dict(conn.exec_driver_sql(
        "SELECT external_id, id FROM agent WHERE account_id = ?", (account_id,)).tuples().all())
    teams: dict[str, int] = dict(conn.exec_driver_sql(
        "SELECT external_id, id FROM team WHERE account_id = ?", (account_id,)).tuples().all())
    events: list[tuple[str, str, int, int | None, str | None]]  # conversation, kind, at, agent, value
    rows, events, labels, reindex = [], [], {}, []
    for c in convs:
        updated = ts(c.updated_at) or ts(c.created_at) or 0
        old = existing.get(c.external_id)
        if old is not None and old[3] > updated:
            continue  # stale copy
        status = enum_or(Status, c.status, Status.OPEN)
        assignee = agents.get(c.assignee_external_id) if c.assignee_external_id else None
        resolved_at = None
        if status == Status.RESOLVED:
            # never the last update (it moves with every later message): the service's own time, the one
            # we hold, or what the conversation's status notices say (refresh_resolutions, below)
            kept = old[5] if old is not None and old[2] == Status.RESOLVED else None
            resolved_at = ts(c.resolved_at) or kept
        if old is None or old[2] != status:
            if status == Status.RESOLVED:
                if resolved_at is not None:  # else the status notices will say when (refresh_resolutions)
                    events.append((c.external_id, "resolved", resolved_at, None, None))
            elif old is not None and old[2] == Status.RESOLVED:
                events.append((c.external_id, "reopened", updated, None, str(status)))
            elif old is not None:
                events.append((c.external_id, "status", updated, None, str(status)))
        if old is not None and old[4] != assignee:
            events.append((c.external_id, "assigned", updated, assignee, c.assignee_external_id))
        customer_id = contact_customer.get(c.contact_external_id or "")
        if old is not None and (old[6] != (c.subject or "") or (customer_id and old[7] != customer_id)):
            reindex.append(old[1])
        label_set = list(dict.fromkeys(lb for lb in c.labels if lb))
        labels[c.external_id] = label_set
        rows.append((
            account_id, c.external_id, customer_id,
            str(enum_or(Channel, c.channel, Channel.OTHER)), c.inbox_name or "", c.subject or "", str(status),
            str(enum_or(Priority, c.priority or Priority.NONE, Priority.NONE)), assignee,
            teams.get(c.team_external_id) if c.team_external_id else None, json.dumps(label_set),
            ts(c.created_at) or updated, updated, real_ts(c.first_response_at), resolved_at,
            ts(c.last_message_at), ts(c.snoozed_until), max(0, int(c.unread or 0)),
        ))
    if not rows:
        return set()
    many(conn, _CONVERSATION_UPSERT, rows)
    ids = id_map(conn, "conversation", account_id, list(labels))
    applied = [ids[ext] for ext in labels if ext in ids]
    _apply_labels(conn, {ids[ext]: lbs for ext, lbs in labels.items() if ext in ids})
    if events:
        many(
        conn,
            "INSERT INTO conversation_event (conversation_id, kind, at, agent_id, value) VALUES (?, ?, ?, ?, ?)",
            [(ids[ext], kind, at, agent, value) for ext, kind, at, agent, value in events if ext in ids],
        )
    if reindex:
        _reindex_messages(conn, reindex)
    refresh_resolutions(conn, applied)
    return set(applied)


def _apply_labels(conn: Connection, labels: dict[int, list[str]]) -> None:
    """Make each conversation's label rows these labels, writing only the ones that come or go: every label
    row written moves the KPI label rollups, and most pages repeat the labels already held."""
    held: dict[int, set[str]] = {cid: set() for cid in labels}
    for chunk in chunks(list(labels)):
        for cid, label in conn.exec_driver_sql(
                "SELECT conversation_id, label FROM conversation_label"
                f" WHERE conversation_id IN ({','.join('?' * len(chunk))})", tuple(chunk)).tuples().all():
            held[cid].add(label)
    many(conn, "DELETE FROM conversation_label WHERE conversation_id = ? AND label = ?",
         [(cid, lb) for cid, lbs in labels.items() for lb in sorted(held[cid] - set(lbs))])
    many(conn, "INSERT OR IGNORE INTO conversation_label (conversation_id, label) VALUES (?, ?)",
         [(cid, lb) for cid, lbs in labels.items() for lb in lbs if lb not in held[cid]])


def _reindex_messages(conn: Connection, conversation_ids: list[int]) -> None:
    """Refresh the FTS rows of conversations whose subject or customer changed after indexing."""
    for chunk in chunks(conversation_ids):
        marks = ",".join("?" * len(chunk))
        conn.exec_driver_sql(
            f"DELETE FROM message_fts WHERE rowid IN (SELECT id FROM message WHERE conversation_id IN ({marks}))",
            tuple(chunk))
        conn.exec_driver_sql(
            "INSERT INTO message_fts (rowid, text, subject, customer_name)"
            " SELECT m.id, m.text, c.subject, coalesce(cu.name, '') FROM message m"
            " JOIN conversation c ON c.id = m.conversation_id LEFT JOIN customer cu ON cu.id = c.customer_id"
            f" WHERE m.conversation_id IN ({marks})", tuple(chunk))


def _ensure_conversations(conn: Connection, account_id: int, messages: list[Message]) -> dict[str, int]:
    """{external_id: id} of the messages' conversations; unknown ones get a placeholder row.

    The placeholder (updated_at 0) keeps the message and its foreign key; the conversation's own
    record overwrites it whenever it arrives.
    """
    exts = list(dict.fromkeys(m.conversation_external_id for m in messages))
    found = id_map(conn, "conversation", account_id, exts)
    missing = [e for e in exts if e not in found]
    if missing:
        unseen = set(missing)
        first_seen: dict[str, int] = {}
        for m in messages:
            if m.conversation_external_id in unseen:
                at = ts(m.sent_at) or 0
                first_seen[m.conversation_external_id] = min(first_seen.get(m.conversation_external_id, at), at)
        many(
        conn,
            "INSERT OR IGNORE INTO conversation (account_id, external_id, channel, status, created_at, updated_at)"
            " VALUES (?, ?, 'other', 'open', ?, 0)",
            [(account_id, e, first_seen.get(e, 0)) for e in missing],
        )
        found.update(id_map(conn, "conversation", account_id, missing))
    return found


# --- messages ----------------------------------------------------------------------------------

_MESSAGE_COLUMNS = ("account_id, external_id, conversation_id, direction, author_name, author_external_id, text, html,"
                    " sent_at, delivery, client_id, automated, has_attachments, author_kind, deleted, status_event")
# Rows are staged in a temp table and upserted with ONE statement: the FTS trigger then fires inside
# a single statement. Row-by-row executemany would open a statement savepoint per row, and FTS5
# flushes its pending index data at every savepoint (measured: about 2.5x slower).
_MESSAGE_STAGE = f"CREATE TEMP TABLE IF NOT EXISTS message_stage ({_MESSAGE_COLUMNS})"
_MESSAGE_UPSERT = (
    f"INSERT INTO message ({_MESSAGE_COLUMNS}) SELECT {_MESSAGE_COLUMNS} FROM temp.message_stage WHERE true"
    " ORDER BY rowid"
    " ON CONFLICT(account_id, external_id) DO UPDATE SET conversation_id = excluded.conversation_id,"
    " direction = excluded.direction, author_name = excluded.author_name,"
    " author_external_id = excluded.author_external_id, text = excluded.text, html = excluded.html,"
    " sent_at = excluded.sent_at, delivery = excluded.delivery,"
    " client_id = coalesce(excluded.client_id, message.client_id), automated = excluded.automated,"
    " has_attachments = excluded.has_attachments, author_kind = excluded.author_kind, deleted = excluded.deleted,"
    " status_event = excluded.status_event"
    # an identical copy (the same item on two pages) rewrites nothing
    " WHERE message.text IS NOT excluded.text OR message.html IS NOT excluded.html"
    " OR message.delivery IS NOT excluded.delivery OR message.conversation_id IS NOT excluded.conversation_id"
    " OR message.direction IS NOT excluded.direction OR message.sent_at IS NOT excluded.sent_at"
    " OR message.author_name IS NOT excluded.author_name OR message.automated IS NOT excluded.automated"
    " OR message.has_attachments IS NOT excluded.has_attachments OR message.author_kind IS NOT excluded.author_kind"
    " OR message.deleted IS NOT excluded.deleted OR message.status_event IS NOT excluded.status_event"
    " OR message.client_id IS NOT coalesce(excluded.client_id, message.client_id)"
)


def _adopt_local_messages(conn: Connection, account_id: int, messages: list[Message]) -> set[int]:
    """Messages we wrote offline (external_id ``local:<client_id>``) take the id the service gave them;
    returns the conversations whose messages this changed."""
    with_client = {m.client_id: m for m in messages if m.client_id}
    adopted: set[int] = set()
    if not with_client:
        return adopted
    for chunk in chunks(list(with_client)):
        marks = ",".join("?" * len(chunk))
        for row_id, ext, client_id, conversation_id in conn.exec_driver_sql(
            "SELECT id, external_id, client_id, conversation_id FROM message"
            f" WHERE account_id = ? AND client_id IN ({marks})", (account_id, *chunk),
        ).all():
            remote = with_client[client_id].external_id
            if ext == remote:
                continue
            adopted.add(conversation_id)
            clash = conn.exec_driver_sql(
                "SELECT id FROM message WHERE account_id = ? AND external_id = ?", (account_id, remote)).scalar()
            if clash is not None:
                # Both copies exist (pulled before adoption): the local one is the duplicate.
                conn.exec_driver_sql("DELETE FROM message WHERE id = ?", (row_id,))
            else:
                conn.exec_driver_sql(
                    "UPDATE message SET external_id = ?, delivery = ? WHERE id = ?",
                    (remote, str(DeliveryState.SENT), row_id))
    return adopted


def _apply_messages(conn: Connection, account_id: int, messages: list[Message], changes: AppliedChanges) -> set[int]:
    conv_ids = _ensure_conversations(conn, account_id, messages)
    adopted = _adopt_local_messages(conn, account_id, messages)
    rows = []
    unsent = (DeliveryState.RECEIVED, DeliveryState.QUEUED)
    for m in messages:
        direction = enum_or(Direction, m.direction, Direction.IN)
        delivery = enum_or(DeliveryState, m.delivery, DeliveryState.RECEIVED)
        if direction is not Direction.IN and delivery in unsent:
            delivery = DeliveryState.SENT  # it is on the service, so it left us
        event = enum_or(StatusEvent, m.status_event, None) if m.status_event else None
        deleted = bool(m.deleted)
        rows.append((
            account_id, m.external_id, conv_ids[m.conversation_external_id], direction.value, m.author_name or "",
            # a deleted message keeps no words: nothing of it is shown or found by search
            m.author_external_id, "" if deleted else m.text or "", "" if deleted else m.html or "",
            ts(m.sent_at) or 0, delivery.value, m.client_id, int(bool(m.automated)),
            int(bool(m.attachments) and not deleted), enum_or(AuthorKind, m.author_kind, AuthorKind.UNKNOWN).value,
            int(deleted), event.value if event else None,
        ))
    high_water = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM message").scalar()
    written = set(adopted)  # conversations with a message inserted, changed or removed: their summaries move
    with_status: set[int] = set()  # ... and those whose customer messages or notices moved: their resolutions
    if rows:
        # the driver's own cursor, in the same transaction: a page is a thousand rows each way, and wrapping
        # every one costs as much as a tenth of the page's whole apply
        raw: Any = conn.connection.driver_connection
        raw.execute(_MESSAGE_STAGE)
        raw.execute("DELETE FROM temp.message_stage")
        raw.executemany(f"INSERT INTO temp.message_stage VALUES ({','.join('?' * 16)})", rows)
        inserted = []
        for row_id, conversation_id, direction in raw.execute(
                _MESSAGE_UPSERT + " RETURNING id, conversation_id, direction").fetchall():
            written.add(conversation_id)
            if direction in ("in", "activity"):
                with_status.add(conversation_id)
            if row_id > high_water:  # one writer at a time: every id above the old maximum is new
                inserted.append((row_id, direction))
        raw.execute("DELETE FROM temp.message_stage")
        for row_id, direction in sorted(inserted):
            changes.new_message_ids.append(row_id)
            if direction == Direction.IN:
                changes.new_inbound_message_ids.append(row_id)
    with_files = [m for m in messages if m.attachments or m.deleted]  # a deleted message loses its files
    if with_files:
        ids = id_map(conn, "message", account_id, [m.external_id for m in with_files])
        for chunk in chunks(list(ids.values())):
            conn.exec_driver_sql(
                f"DELETE FROM attachment WHERE message_id IN ({','.join('?' * len(chunk))})", tuple(chunk))
        many(
        conn,
            "INSERT INTO attachment (message_id, filename, content_type, size, url, sha256) VALUES (?, ?, ?, ?, ?, ?)",
            [(ids[m.external_id], a.filename or "attachment", a.content_type or "application/octet-stream",
              max(0, int(a.size or 0)), a.url or "", a.sha256 or "") for m in with_files if not m.deleted
             for a in m.attachments],
        )
    refresh_conversation_summaries(conn, sorted(written))
    refresh_resolutions(conn, sorted(with_status))  # an agent's reply or a note neither resolves nor reopens
    return set(conv_ids.values())


def refresh_conversation_summaries(conn: Connection, conversation_ids: list[int]) -> None:
    """Recomputes snippet, message count, last message and first response time from the messages."""
    for chunk in chunks(conversation_ids):
        marks = ",".join("?" * len(chunk))
        conn.exec_driver_sql(
            "UPDATE conversation SET"
            " message_count = (SELECT count(*) FROM message m WHERE m.conversation_id = conversation.id),"
            " last_message_at = nullif(max(coalesce(last_message_at, 0), coalesce((SELECT max(m.sent_at)"
            "   FROM message m WHERE m.conversation_id = conversation.id), 0)), 0),"
            f" snippet = coalesce((SELECT substr(replace(replace(m.text, char(13), ' '), char(10), ' '), 1,"
            f"   {SNIPPET_CHARS}) FROM message m WHERE m.conversation_id = conversation.id"
            "   AND m.direction IN ('in', 'out') AND m.deleted = 0 ORDER BY m.sent_at DESC, m.id DESC LIMIT 1),"
            "   snippet),"
            " first_response_at = coalesce((SELECT min(m.sent_at) FROM message m"
            "   WHERE m.conversation_id = conversation.id AND m.direction = 'out' AND m.automated = 0),"
            "   first_response_at)"
            f" WHERE id IN ({marks})", tuple(chunk),
        )


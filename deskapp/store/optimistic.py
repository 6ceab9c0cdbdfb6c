"""Applies outbox items to the cache as optimistic state (and takes them back), for actions and replay.

Every function runs inside the caller's cache write transaction and is idempotent, so the same item
can be applied again at start-up, after a pull overwrote the conversation with the server's state,
or after the cache was rebuilt from the server ("rebuild optimistic state from the outbox").
Items refer to conversations and agents by their external ids, which survive a cache rebuild.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from deskapp.domain import DeliveryState, Direction, OutboxKind
from deskapp.domain.enums import ORDER_KINDS
from deskapp.store import order_actions, sla_clock
from deskapp.store.ingest_util import id_map
from deskapp.store.outbox import OutboxRow

LOCAL_PREFIX = "local:"
_MESSAGE_KINDS = (OutboxKind.REPLY, OutboxKind.NOTE)


def local_external_id(client_id: str) -> str:
    return LOCAL_PREFIX + client_id


def _epoch(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return int(value)
    return int(datetime.fromisoformat(str(value)).timestamp())


def conversation_row(conn: Connection, account_id: int, external_id: str) -> Any:
    return conn.execute(text(
        "SELECT c.id, c.status, c.resolved_at, c.snoozed_until, c.priority, c.labels,"
        " a.external_id AS assignee_ext, t.external_id AS team_ext"
        " FROM conversation c LEFT JOIN agent a ON a.id=c.assignee_id LEFT JOIN team t ON t.id=c.team_id"
        " WHERE c.account_id=:acc AND c.external_id=:ext"), {"acc": account_id, "ext": external_id}).first()


def conversation_ref(conn: Connection, conversation_id: int) -> tuple[int, str] | None:
    """(account_id, external_id) of a cached conversation."""
    row = conn.execute(text("SELECT account_id, external_id FROM conversation WHERE id=:id"),
                       {"id": conversation_id}).first()
    return (row[0], row[1]) if row else None


def external_ids(conn: Connection, conversation_ids: list[int]) -> set[str]:
    """The external ids of these cached conversations (those the cache still holds)."""
    marks = ",".join(str(int(i)) for i in conversation_ids)  # ints only: safe to inline
    return {ext for (ext,) in conn.exec_driver_sql(f"SELECT external_id FROM conversation WHERE id IN ({marks})")}


def conversation_id(conn: Connection, account_id: int, external_id: str | None) -> int | None:
    """The cache id of the conversation with this (account_id, external_id); None when the cache has none."""
    return conn.execute(text("SELECT id FROM conversation WHERE account_id=:a AND external_id=:e"),
                        {"a": account_id, "e": external_id}).scalar()


def conversation_ids(conn: Connection, keys: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Cache ids of the conversations with these (account_id, external_id) keys that the cache holds now."""
    found: dict[tuple[int, str], int] = {}
    for account_id in {a for a, _ in keys}:
        externals = [e for a, e in keys if a == account_id]
        held = id_map(conn, "conversation", account_id, externals)
        found.update(((account_id, ext), cid) for ext, cid in held.items())
    return found


def prior_state(conn: Connection, account_id: int, conversation_external_id: str, kind: OutboxKind) -> dict[str, Any]:
    """What the fields ``kind`` changes hold now, so a rejected item can be rolled back."""
    row = conversation_row(conn, account_id, conversation_external_id)
    if row is None or kind in _MESSAGE_KINDS:
        return {}
    if kind in (OutboxKind.STATUS, OutboxKind.SNOOZE):
        return {"status": row.status, "resolved_at": row.resolved_at, "snoozed_until": row.snoozed_until}
    if kind == OutboxKind.ASSIGN:
        return {"assignee_external_id": row.assignee_ext, "team_external_id": row.team_ext}
    if kind == OutboxKind.LABEL:
        return {"labels": json.loads(row.labels or "[]")}
    if kind == OutboxKind.PRIORITY:
        return {"priority": row.priority}
    return {}


def _set_status(conn: Connection, conv_id: int, status: str, resolved_at: int | None,
                snoozed_until: int | None) -> None:
    conn.execute(text("UPDATE conversation SET status=:s, resolved_at=:r, snoozed_until=:u WHERE id=:id"),
                 {"s": status, "r": resolved_at, "u": snoozed_until, "id": conv_id})


def _set_assignee(conn: Connection, account_id: int, conv_id: int, assignee_ext: str | None,
                  team_ext: str | None, *, keep_team: bool) -> None:
    agent_id = None
    if assignee_ext is not None:
        agent_id = conn.execute(text("SELECT id FROM agent WHERE account_id=:a AND external_id=:e"),
                                {"a": account_id, "e": str(assignee_ext)}).scalar()
    params = {"ag": agent_id, "id": conv_id}
    sql = "UPDATE conversation SET assignee_id=:ag"
    if not keep_team:
        team_id = None
        if team_ext is not None:
            team_id = conn.execute(text("SELECT id FROM team WHERE account_id=:a AND external_id=:e"),
                                   {"a": account_id, "e": str(team_ext)}).scalar()
        sql += ", team_id=:tm"
        params["tm"] = team_id
    conn.execute(text(sql + " WHERE id=:id"), params)


def _set_labels(conn: Connection, conv_id: int, labels: list[str]) -> None:
    labels = sorted(dict.fromkeys(str(x) for x in labels))
    conn.execute(text("UPDATE conversation SET labels=:l WHERE id=:id"), {"l": json.dumps(labels), "id": conv_id})
    conn.execute(text("DELETE FROM conversation_label WHERE conversation_id=:id"), {"id": conv_id})
    for label in labels:
        conn.execute(text("INSERT INTO conversation_label (conversation_id, label) VALUES (:id, :l)"),
                     {"id": conv_id, "l": label})


def _insert_local_message(conn: Connection, account_id: int, conv_id: int, kind: OutboxKind,
                          payload: dict[str, Any], client_id: str, created_at: float) -> None:
    exists = conn.execute(text("SELECT 1 FROM message WHERE account_id=:a AND client_id=:c"),
                          {"a": account_id, "c": client_id}).first()
    if exists:  # already applied, or the server's copy was pulled and matched by client_id
        return
    me = conn.execute(text("SELECT name, external_id FROM agent WHERE account_id=:a AND is_me=1"),
                      {"a": account_id}).first()
    conn.execute(text(
        "INSERT INTO message (account_id, external_id, conversation_id, direction, author_name,"
        " author_external_id, text, sent_at, delivery, client_id, author_kind)"
        " VALUES (:a, :ext, :conv, :dir, :author, :author_ext, :text, :at, :delivery, :cid, 'agent')"), {
        "a": account_id, "ext": local_external_id(client_id), "conv": conv_id,
        "dir": str(Direction.NOTE if kind == OutboxKind.NOTE else Direction.OUT),
        "author": me[0] if me else "", "author_ext": me[1] if me else None,
        "text": str(payload.get("text", "")), "at": int(created_at),
        "delivery": str(DeliveryState.QUEUED), "cid": client_id,
    })
    if kind == OutboxKind.REPLY:  # the agent has answered: the first-response countdown stops
        sla_clock.refresh(conn, [conv_id])


def apply_item(conn: Connection, *, account_id: int, conversation_external_id: str | None, kind: OutboxKind,
               payload: dict[str, Any], client_id: str, created_at: float) -> bool:
    """Put one item's effect into the cache; False when its conversation is not (yet) cached."""
    if conversation_external_id is None:
        return False
    if kind in ORDER_KINDS:  # shown beside the order (its conversation id is the order's id in the shop)
        fresh = order_actions.record(conn, client_id=client_id, account_id=account_id,
                                     order_external_id=conversation_external_id, kind=str(kind),
                                     summary=str(payload.get("summary", kind)), created_at=created_at)
        if fresh and kind == OutboxKind.ORDER_REFUND:  # once per queueing: a re-apply must not add it twice
            order_actions.show_refund(conn, account_id, conversation_external_id, payload, 1)
        return True
    row = conversation_row(conn, account_id, conversation_external_id)
    if row is None:
        return False
    if kind in _MESSAGE_KINDS:
        _insert_local_message(conn, account_id, row.id, kind, payload, client_id, created_at)
    elif kind == OutboxKind.STATUS:
        status = str(payload["status"])
        resolved_at = (row.resolved_at or int(created_at)) if status == "resolved" else None
        _set_status(conn, row.id, status, resolved_at, _epoch(payload.get("snoozed_until")))
    elif kind == OutboxKind.SNOOZE:
        _set_status(conn, row.id, "snoozed", None, _epoch(payload.get("until")))
    elif kind == OutboxKind.ASSIGN:
        _set_assignee(conn, account_id, row.id, payload.get("assignee_external_id"),
                      payload.get("team_external_id"), keep_team="team_external_id" not in payload)
    elif kind == OutboxKind.LABEL:
        _set_labels(conn, row.id, list(payload.get("labels", [])))
    elif kind == OutboxKind.PRIORITY:
        conn.execute(text("UPDATE conversation SET priority=:p WHERE id=:id"),
                     {"p": str(payload["priority"]), "id": row.id})
    return True


def rollback_item(conn: Connection, *, account_id: int, conversation_external_id: str | None,
                  kind: OutboxKind, prior: dict[str, Any], client_id: str,
                  payload: dict[str, Any] | None = None) -> None:
    """Undo one item's effect: the local message row goes, changed fields get their prior values (a refund
    comes off its order, given the item's ``payload``)."""
    if kind in ORDER_KINDS:
        if kind == OutboxKind.ORDER_REFUND and payload and conversation_external_id is not None \
                and order_actions.state_of(conn, client_id) == "queued":
            order_actions.show_refund(conn, account_id, conversation_external_id, payload, -1)
        order_actions.remove(conn, client_id)
        return
    if kind in _MESSAGE_KINDS:
        conversation = conn.execute(text("DELETE FROM message WHERE account_id=:a AND external_id=:e"
                                         " RETURNING conversation_id"),
                                    {"a": account_id, "e": local_external_id(client_id)}).scalar()
        if conversation is not None:  # an unsent reply taken back: the countdown runs again
            sla_clock.refresh(conn, [conversation])
        return
    if conversation_external_id is None or not prior:
        return
    row = conversation_row(conn, account_id, conversation_external_id)
    if row is None:
        return
    if kind in (OutboxKind.STATUS, OutboxKind.SNOOZE):
        _set_status(conn, row.id, prior["status"], prior.get("resolved_at"), prior.get("snoozed_until"))
    elif kind == OutboxKind.ASSIGN:
        _set_assignee(conn, account_id, row.id, prior.get("assignee_external_id"),
                      prior.get("team_external_id"), keep_team=False)
    elif kind == OutboxKind.LABEL:
        _set_labels(conn, row.id, prior.get("labels", []))
    elif kind == OutboxKind.PRIORITY:
        conn.execute(text("UPDATE conversation SET priority=:p WHERE id=:id"), {"p": prior["priority"], "id": row.id})


def set_delivery(conn: Connection, account_id: int, client_id: str, delivery: DeliveryState,
                 external_id: str | None = None) -> None:
    """The thread's queued / sending / sent / failed for the local row of a reply or note."""
    if external_id:
        # The pull may already have matched our row (same client_id) and given it the server id.
        taken = conn.execute(text(
            "SELECT 1 FROM message WHERE account_id=:a AND external_id=:e AND (client_id IS NULL OR client_id<>:c)"),
            {"a": account_id, "e": external_id, "c": client_id}).first()
        if taken:  # the server's copy arrived as a separate row: keep it, drop our local twin
            conn.execute(text("DELETE FROM message WHERE account_id=:a AND external_id=:e"),
                         {"a": account_id, "e": local_external_id(client_id)})
            conn.execute(text("UPDATE message SET client_id=:c, delivery=:d WHERE account_id=:a AND external_id=:e"),
                         {"a": account_id, "e": external_id, "c": client_id, "d": str(delivery)})
            sla_clock.refresh_for_message(conn, account_id, client_id)
            return
        conn.execute(text("UPDATE message SET external_id=:e, delivery=:d WHERE account_id=:a AND client_id=:c"),
                     {"a": account_id, "e": external_id, "c": client_id, "d": str(delivery)})
    else:
        conn.execute(text("UPDATE message SET delivery=:d WHERE account_id=:a AND client_id=:c"
                          " AND delivery NOT IN ('sent','delivered','read')"),
                     {"a": account_id, "c": client_id, "d": str(delivery)})
    sla_clock.refresh_for_message(conn, account_id, client_id)  # a failed reply no longer stops the clock


def reapply_open(conn: Connection, rows: Iterable[OutboxRow], *,
                 conversation_external_ids: set[str] | None = None) -> int:
    """Re-apply open outbox rows (in queue order) over whatever the cache holds now; returns how many."""
    applied = 0
    for row in rows:
        if conversation_external_ids is not None and row.conversation_external_id not in conversation_external_ids:
            continue
        applied += apply_item(conn, account_id=row.account_id, conversation_external_id=row.conversation_external_id,
                              kind=row.kind, payload=row.payload, client_id=row.client_id,
                              created_at=row.created_at)
    return applied


def drop_orphan_local_messages(conn: Connection, known_client_ids: set[str]) -> int:
    """Local rows whose outbox item is gone (undone or discarded before a crash): remove them."""
    rows = conn.execute(text(
        "SELECT id, client_id, conversation_id FROM message WHERE external_id LIKE 'local:%'")).all()
    orphans = [r for r in rows if r[1] not in known_client_ids]
    for message_id, _client, _conversation in orphans:
        conn.execute(text("DELETE FROM message WHERE id=:id"), {"id": message_id})
    sla_clock.refresh(conn, [r[2] for r in orphans])
    return len(orphans)

"""Keeps ``conversation.sla_due_at`` (the first-response deadline, deskapp.domain.sla) in step with the
messages, for ingest, offline actions, the KPI rollups and a change of the SLA targets.

The deadline is first inbound message + the channel's target while no public human reply came after
that message, and NULL otherwise: once answered, without any inbound message (outbound-initiated), or
before the messages arrived. "Human reply" is the KPI rule's (outgoing, not automated: never a bot,
an automation, a campaign or template message, a note or an activity notice), plus one thing the KPI
figures leave out: a reply still waiting in the outbox (queued or sending) stops the clock, since the
agent has answered; a failed one does not. The status plays no part: the inbox and the dashboard show a
clock only while the conversation is not resolved, so resolving and reopening need no recomputation.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from deskapp.domain.sla import SETTING_SLA_TARGETS, sla_targets, target_for
from deskapp.store.ingest_util import chunks

STOPS_THE_CLOCK = "r.direction = 'out' AND r.automated = 0 AND r.delivery != 'failed'"


def target_sql(targets: dict[str, int], column: str) -> tuple[str, list[str | int]]:
    """SQL giving the first-response target (seconds) of the channel in ``column``, with its parameters."""
    whens: list[str] = []
    params: list[str | int] = []
    for channel, seconds in sorted(targets.items()):
        whens.append("WHEN ? THEN ?")
        params += [channel, seconds]
    return f"(CASE {column} {' '.join(whens)} ELSE ? END)", [*params, target_for(targets, "other")]


def _update_sql(sla: dict[str, int], where: str) -> tuple[str, list[str | int]]:
    """One UPDATE writing the deadline of the conversations ``where`` (over ``c``) selects, where it changed."""
    target, params = target_sql(sla, "s.channel")
    return (
        "UPDATE conversation SET sla_due_at = d.at FROM ("
        " SELECT s.id AS id, CASE WHEN s.first_in IS NULL OR EXISTS (SELECT 1 FROM message r"
        f"   WHERE r.conversation_id = s.id AND {STOPS_THE_CLOCK} AND r.sent_at >= s.first_in) THEN NULL"
        f"  ELSE s.first_in + {target} END AS at"
        " FROM (SELECT c.id AS id, c.channel AS channel, (SELECT min(m.sent_at) FROM message m"
        f"   WHERE m.conversation_id = c.id AND m.direction = 'in') AS first_in FROM conversation c {where}) s"
        ") d WHERE d.id = conversation.id AND conversation.sla_due_at IS NOT d.at", params)


def targets(conn: Connection) -> dict[str, int]:
    """The SLA targets in force: the defaults with the agent's setting (the cache's copy) over them."""
    row = conn.exec_driver_sql("SELECT value FROM setting WHERE key = ?", (SETTING_SLA_TARGETS,)).first()
    return sla_targets(row[0] if row else None)


def refresh(conn: Connection, conversation_ids: Iterable[int], sla: dict[str, int] | None = None) -> None:
    """Recompute the deadline of these conversations (inside the caller's write transaction)."""
    ids = sorted({int(i) for i in conversation_ids if i is not None})
    if not ids:
        return
    sla = sla if sla is not None else targets(conn)
    for chunk in chunks(ids):
        sql, params = _update_sql(sla, f"WHERE c.id IN ({','.join('?' * len(chunk))})")
        conn.exec_driver_sql(sql, (*params, *chunk))


def refresh_all(conn: Connection, sla: dict[str, int] | None = None) -> None:
    """Recompute every deadline: a rebuild of the rollups, or new targets."""
    sql, params = _update_sql(sla if sla is not None else targets(conn), "")
    conn.exec_driver_sql(sql, tuple(params))


def refresh_for_message(conn: Connection, account_id: int, client_id: str) -> None:
    """Recompute the deadline of the conversation holding our own message ``client_id`` (sent, failed, gone)."""
    found = conn.exec_driver_sql("SELECT DISTINCT conversation_id FROM message WHERE account_id = ? AND client_id = ?",
                                 (account_id, client_id))
    refresh(conn, [r[0] for r in found])

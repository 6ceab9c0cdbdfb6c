"""Reads for the collision check and the typing status: what the agent had seen of a conversation, and the
replies others sent after that."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class SeenMark:
    """The newest message of a conversation in the cache when the agent looked at it."""

    conversation_id: int
    message_row: int  # message.id: rows arriving later get larger ids
    sent_at: int  # its time on the hub's clock (0: no message yet)


@dataclass(frozen=True)
class OtherReply:
    author: str
    sent_at: int
    text: str
    automated: bool


def conversation_ref(conn: Connection, conversation_id: int) -> tuple[int, str] | None:
    """(account id, the hub's id of the conversation)."""
    row = conn.exec_driver_sql("SELECT account_id, external_id FROM conversation WHERE id = ?",
                               (conversation_id,)).first()
    return (int(row[0]), str(row[1])) if row else None


def seen_mark(conn: Connection, conversation_id: int) -> SeenMark:
    row = conn.exec_driver_sql(
        "SELECT coalesce(max(id), 0), coalesce(max(sent_at), 0) FROM message WHERE conversation_id = ?",
        (conversation_id,)).first()
    return SeenMark(conversation_id, int(row[0]), int(row[1])) if row else SeenMark(conversation_id, 0, 0)


def my_external_ids(conn: Connection, conversation_id: int) -> set[str]:
    """The signed-in agent's id on the hub account of this conversation."""
    return {str(r[0]) for r in conn.exec_driver_sql(
        "SELECT a.external_id FROM agent a JOIN conversation c ON c.account_id = a.account_id"
        " WHERE c.id = ? AND a.is_me = 1", (conversation_id,))}


def replies_after(conn: Connection, mark: SeenMark) -> list[OtherReply]:
    """Public replies that reached the cache after ``mark``, by anyone but the signed-in agent, oldest first
    (the agent's own replies carry an outbox client id or the agent's hub id)."""
    rows = conn.exec_driver_sql(
        "SELECT m.author_name, m.sent_at, m.text, m.automated FROM message m"
        " JOIN conversation c ON c.id = m.conversation_id"
        " WHERE m.conversation_id = ? AND m.id > ? AND m.direction = 'out' AND m.deleted = 0"
        "   AND m.client_id IS NULL AND coalesce(m.author_external_id, '') NOT IN"
        "     (SELECT a.external_id FROM agent a WHERE a.account_id = c.account_id AND a.is_me = 1)"
        " ORDER BY m.sent_at, m.id", (mark.conversation_id, mark.message_row)).all()
    return [OtherReply(r[0] or "", int(r[1]), r[2] or "", bool(r[3])) for r in rows]

"""Small reads about conversations for services.suggestions and services.templates: a conversation's intent,
customer, subject, latest messages, and the conversations of one intent still waiting for an answer."""

from __future__ import annotations

from sqlalchemy import Connection, text

from deskapp.store.engine import Database


def intent(conn: Connection, conversation_id: int) -> tuple[str | None] | None:
    """(intent,) of the conversation; None when there is no such conversation."""
    row = conn.execute(text("SELECT intent FROM conversation WHERE id = :id"), {"id": conversation_id}).first()
    return (row[0],) if row is not None else None


def customer_id(conn: Connection, conversation_id: int) -> int | None:
    return conn.execute(text("SELECT customer_id FROM conversation WHERE id = :id"),
                        {"id": conversation_id}).scalar()


def subject_and_customer(conn: Connection, conversation_id: int) -> tuple[str | None, str] | None:
    """(subject, customer name or '') of the conversation; None when there is no such conversation."""
    head = conn.execute(text("SELECT c.subject, coalesce(cu.name, '') FROM conversation c"
                             " LEFT JOIN customer cu ON cu.id = c.customer_id WHERE c.id = :id"),
                        {"id": conversation_id}).first()
    return (head[0], head[1]) if head is not None else None


def latest_inbound_text(conn: Connection, conversation_id: int) -> str:
    """The text of the customer's latest message that has any ('' when there is none)."""
    return conn.execute(text(
        "SELECT text FROM message WHERE conversation_id = :c AND direction = 'in' AND trim(text) != ''"
        " ORDER BY sent_at DESC, id DESC LIMIT 1"), {"c": conversation_id}).scalar() or ""


def last_exchange(conn: Connection, conversation_id: int) -> list[tuple[str, str]]:
    """(direction, text) of the 20 latest customer and agent messages with text, newest first."""
    rows = conn.execute(text(
        "SELECT direction, text FROM message WHERE conversation_id = :c AND direction IN ('in', 'out')"
        " AND trim(text) != '' ORDER BY sent_at DESC, id DESC LIMIT 20"), {"c": conversation_id}).all()
    return [(r[0], r[1]) for r in rows]


def waiting_with_intent(db: Database, intent: str, statuses: tuple[str, ...], limit: int) -> list[int]:
    """Ids of the conversations of one intent in these statuses, oldest activity first."""
    marks = ",".join(f":s{i}" for i in range(len(statuses)))
    with db.read() as conn:
        return [r[0] for r in conn.execute(text(
            f"SELECT id FROM conversation WHERE intent = :intent AND status IN ({marks})"
            " ORDER BY last_message_at, id LIMIT :limit"),
            {"intent": intent, "limit": limit, **{f"s{i}": s for i, s in enumerate(statuses)}})]

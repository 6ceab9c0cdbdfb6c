"""The cache reads behind copilot.past_replies: how many messages hold a word, inbound messages that match
an FTS query, the newest inbound texts (for the meaning index), the first human reply to each, and what
identifies a conversation's customer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Row, text


@dataclass(frozen=True)
class CustomerTraces:
    """What a reply written to this customer may contain about them: name, order numbers, private values
    (tracking links, email addresses, phone numbers)."""

    name: str
    order_numbers: tuple[str, ...]
    private: tuple[str, ...]


def term_documents(conn: Connection, term: str) -> int:
    """How many messages of message_fts hold ``term`` (fts5vocab walks the term's whole doclist)."""
    return int(conn.exec_driver_sql("SELECT doc FROM message_fts_vocab WHERE term = ?", (term,)).scalar() or 0)


def newest_message_id(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT max(id) FROM message").scalar() or 0)


def matching_inbound(conn: Connection, query: str, *, floor: int, scan: int, other_than: int,
                     limit: int) -> Sequence[Row[tuple[int, int, int, float, str | None]]]:
    """Inbound messages of other conversations matching ``query``, best bm25 first, among the ``scan``
    best matches with ids ≥ ``floor``: rows (id, conversation_id, sent_at, s, intent)."""
    return conn.execute(text(
        "WITH hits AS (SELECT rowid AS id, bm25(message_fts) AS s FROM message_fts"
        " WHERE message_fts MATCH :q AND rowid >= :floor ORDER BY s LIMIT :scan)"
        " SELECT m.id, m.conversation_id, m.sent_at, h.s, c.intent FROM hits h"
        " JOIN message m ON m.id = h.id JOIN conversation c ON c.id = m.conversation_id"
        " WHERE m.direction = 'in' AND m.conversation_id != :cid ORDER BY h.s LIMIT :n"),
        {"q": query, "floor": floor, "scan": scan, "cid": other_than, "n": limit}).all()


def inbound_texts(conn: Connection, *, after_id: int, newest: int, chars: int) -> list[tuple[int, int, int, str]]:
    """(id, conversation_id, sent_at, opening ``chars`` of the text) of the ``newest`` non-empty inbound
    messages with ids above ``after_id``, newest first."""
    rows = conn.execute(text(
        "SELECT id, conversation_id, sent_at, substr(text, 1, :chars) FROM message"
        " WHERE id > :after AND direction = 'in' AND trim(text) != '' ORDER BY id DESC LIMIT :n"),
        {"after": after_id, "n": newest, "chars": chars}).all()
    return [(int(r[0]), int(r[1]), int(r[2] or 0), str(r[3])) for r in rows]


def conversation_intents(conn: Connection, conversation_ids: Sequence[int]) -> dict[int, str | None]:
    if not conversation_ids:
        return {}
    marks = ", ".join(f":c{n}" for n in range(len(conversation_ids)))
    rows = conn.execute(text(f"SELECT id, intent FROM conversation WHERE id IN ({marks})"),
                        {f"c{n}": v for n, v in enumerate(conversation_ids)}).all()
    return {int(r[0]): r[1] for r in rows}


def first_reply_after(conn: Connection, conversation_id: int, sent_at: int,
                      message_id: int) -> Row[tuple[int, str]] | None:
    """The first non-empty human reply in the conversation at or after ``sent_at``: (id, text)."""
    return conn.execute(text(
        "SELECT id, text FROM message WHERE conversation_id = :c AND direction = 'out' AND automated = 0"
        " AND sent_at >= :t AND id != :m AND trim(text) != '' ORDER BY sent_at, id LIMIT 1"),
        {"c": conversation_id, "t": sent_at, "m": message_id}).first()


def customer_traces(conn: Connection, conversation_id: int) -> CustomerTraces | None:
    """None when the conversation has no customer."""
    row = conn.execute(text("SELECT c.customer_id, coalesce(cu.name, '') FROM conversation c"
                            " LEFT JOIN customer cu ON cu.id = c.customer_id WHERE c.id = :id"),
                       {"id": conversation_id}).first()
    if row is None or row[0] is None:
        return None
    orders = conn.execute(text('SELECT number, tracking_urls FROM "order" WHERE customer_id = :c'),
                          {"c": row[0]}).all()
    urls = [u for o in orders for u in json.loads(o.tracking_urls or "[]")]
    idents = conn.execute(text("SELECT value FROM customer_identity WHERE customer_id = :c"),
                          {"c": row[0]}).scalars()
    return CustomerTraces(str(row[1]), tuple(str(o.number) for o in orders), tuple(urls) + tuple(idents))

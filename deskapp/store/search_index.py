"""The cache's search reads for services.search: orders by number, customers by name, email or phone, and
the best FTS5 message match per conversation with its snippet.

They take the sqlite3 driver's connection (``read_raw()`` of Database or of CacheReader), so that
`deskapp search` runs them without loading SQLAlchemy."""

from __future__ import annotations

import re
from sqlite3 import Connection as Connection  # also services.search's, which may not import sqlite3
from sqlite3 import OperationalError

TYPE_CHECKING = False  # not typing's: importing typing is a noticeable part of `deskapp search`'s start-up
if TYPE_CHECKING:
    from typing import Any

MARK_START, MARK_END = "[", "]"  # around the matched words in a snippet
BROAD_MATCHES = 2000  # a query matching this many messages is ranked by recency, not bm25


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _latest_conversation_sql() -> str:
    return ("(SELECT c.id FROM conversation c WHERE c.customer_id = {col}"
            " ORDER BY coalesce(c.last_message_at, c.created_at) DESC LIMIT 1)")


def orders_numbered(conn: Connection, digits: str, limit: int) -> list[tuple[Any, ...]]:
    """(order id, number, customer id, customer name, financial status, fulfillment status, the customer's
    latest conversation id) of the orders numbered ``digits`` or ``#digits``, newest first."""
    rows = conn.execute(
        'SELECT o.id, o.number, o.customer_id, coalesce(cu.name, \'\'), o.financial_status, o.fulfillment_status,'
        f" {_latest_conversation_sql().format(col='o.customer_id')}"
        ' FROM "order" o LEFT JOIN customer cu ON cu.id = o.customer_id'
        " WHERE o.number IN (?, ?) ORDER BY o.placed_at DESC LIMIT ?",
        (digits, "#" + digits, limit),
    ).fetchall()
    return [tuple(r) for r in rows]


def customers_matching(conn: Connection, query: str, limit: int) -> list[tuple[int, str, int | None]]:
    """(customer id, name, latest conversation id) of the customers whose name (or a word of it) or email
    starts with ``query``, or whose phone contains its digits (6 or more), by name."""
    # SQLite's LIKE ignores ASCII case by itself; lower() on every name would only cost time
    needle = _like(query.lower())
    digits = re.sub(r"\D", "", query)
    params: list[Any] = [needle + "%", "% " + needle + "%", needle + "%"]
    phone_clause = ""
    if len(digits) >= 6:
        phone_clause = (" UNION SELECT customer_id FROM customer_identity"
                        " WHERE kind = 'phone' AND value LIKE ? ESCAPE '\\'")
        params.append("%" + digits + "%")
    # one indexed range or scan per source, then the few matches joined: no customer × identity product
    rows = conn.execute(
        "SELECT cu.id, cu.name, " + _latest_conversation_sql().format(col="cu.id") +
        " FROM customer cu WHERE cu.id IN (SELECT id FROM customer WHERE name LIKE ? ESCAPE '\\'"
        " OR name LIKE ? ESCAPE '\\'"
        " UNION SELECT customer_id FROM customer_identity WHERE kind = 'email' AND value LIKE ? ESCAPE '\\'"
        + phone_clause + ") ORDER BY cu.name LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def contact_points(conn: Connection, customer_id: int) -> list[str]:
    """Up to three of the customer's emails and phones."""
    return [r[0] for r in conn.execute(
        "SELECT value FROM customer_identity WHERE customer_id = ? AND kind IN ('email', 'phone')"
        " ORDER BY kind, value LIMIT 3", (customer_id,))]


def best_messages(conn: Connection, expression: str,
                  limit: int) -> list[tuple[int, int, float, str, str | None, str, int | None]]:
    """(conversation id, message id, rank, snippet, subject, customer name, customer id) of the best match
    of an FTS5 ``expression`` in each of up to ``limit`` conversations, best first.

    bm25 has to score every match, which for the first letters typed ("pa": hundreds of thousands of
    messages) takes far longer than the next keystroke; such broad queries list the newest matches first,
    which FTS5 reads straight off its index and stops early."""
    try:
        broad = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM message_fts WHERE message_fts MATCH ? LIMIT ?)",
            (expression, BROAD_MATCHES)).fetchone()[0] >= BROAD_MATCHES
        order = "rowid DESC" if broad else "rank"
        # The snippets are made in the same walk, for the candidates only: a second query for the chosen
        # rowids (MATCH ... AND rowid IN (...)) makes FTS5 read the whole match list again, which for a
        # common word costs tens of milliseconds at 10k messages.
        candidates = conn.execute(
            "SELECT f.rowid, f.rank, m.conversation_id, f.snippet FROM (SELECT rowid, rank,"
            f" snippet(message_fts, 0, '{MARK_START}', '{MARK_END}', '…', 12) AS snippet FROM message_fts"
            f" WHERE message_fts MATCH ? ORDER BY {order} LIMIT ?) f JOIN message m ON m.id = f.rowid"
            f" ORDER BY f.{order}",
            (expression, limit * 4)).fetchall()
    except OperationalError as exc:  # belt and braces: a query FTS5 still dislikes finds nothing
        import logging  # only here: loading it would cost `deskapp search` a noticeable part of its start-up

        logging.getLogger(__name__).debug("fts query %r failed: %s", expression, exc)
        return []
    best: dict[int, tuple[int, float]] = {}
    snippets: dict[int, str] = {}
    for message_id, rank, conversation_id, snippet in candidates:
        if conversation_id not in best:
            best[conversation_id] = (message_id, float(rank))
            snippets[message_id] = snippet
            if len(best) >= limit:
                break
    if not best:
        return []
    marks = ",".join("?" * len(best))
    details = {r[0]: r[1:] for r in conn.execute(
        "SELECT c.id, c.subject, coalesce(cu.name, ''), c.customer_id FROM conversation c"
        f" LEFT JOIN customer cu ON cu.id = c.customer_id WHERE c.id IN ({marks})", tuple(best)).fetchall()}
    found = []
    for conversation_id, (message_id, rank) in best.items():
        subject, customer, customer_id = details.get(conversation_id, ("", "", None))
        found.append((conversation_id, message_id, rank, snippets.get(message_id) or "", subject, customer,
                      customer_id))
    return found

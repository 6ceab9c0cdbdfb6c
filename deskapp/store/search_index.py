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


def _name_words(query: str) -> str | None:
    """The query's words as an FTS5 expression over customer names: each quoted, each a prefix."""
    words = re.findall(r"\w+", query)[:8]
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words) or None


def customers_matching(conn: Connection, query: str, limit: int) -> list[tuple[int, str, int | None]]:
    """(customer id, name, latest conversation id) of the customers with a word of their name starting with
    each word of ``query``, or whose email starts with ``query``, or whose phone contains its digits (6 or
    more), by name."""
    needle = query.lower()
    digits = re.sub(r"\D", "", query)
    # every source is an index: customer_fts for names, ix_identity_value as a range for emails (they
    # are stored lower-cased); a LIKE on the names would read every customer at each keystroke
    sources = ["SELECT customer_id FROM customer_identity WHERE kind = 'email' AND value >= ? AND value < ?"]
    params: list[Any] = [needle, needle + "\U0010ffff"]
    names = _name_words(query)
    if names is not None:
        sources.append("SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?")
        params.append(names)
    if len(digits) >= 6:
        sources.append("SELECT customer_id FROM customer_identity WHERE kind = 'phone' AND value LIKE ?")
        params.append("%" + digits + "%")
    try:
        # the latest conversation is looked up for the customers shown only, not for every match sorted
        rows = conn.execute(
            "SELECT cu.id, cu.name, " + _latest_conversation_sql().format(col="cu.id") +
            " FROM (SELECT id, name FROM customer WHERE id IN (" + " UNION ".join(sources) + ")"
            " ORDER BY name LIMIT ?) cu ORDER BY cu.name",
            (*params, limit),
        ).fetchall()
    except OperationalError as exc:  # a word FTS5 still refuses finds nobody by name
        import logging

        logging.getLogger(__name__).debug("customer query %r failed: %s", query, exc)
        return []
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
    which FTS5 reads straight off its index and stops early (their rank is 0.0: no bm25 score)."""
    try:
        broad = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM message_fts WHERE message_fts MATCH ? LIMIT ?)",
            (expression, BROAD_MATCHES)).fetchone()[0] >= BROAD_MATCHES
        order = "rowid DESC" if broad else "rank"
        # A broad query's hits carry no bm25 score: the first score FTS5 computes counts every match of
        # each term (its document frequency), which for a two-letter prefix over millions of messages is
        # what the newest-first order is there to avoid.
        score = "0.0" if broad else "rank"
        # The snippets are made in the same walk, for the candidates only: a second query for the chosen
        # rowids (MATCH ... AND rowid IN (...)) makes FTS5 read the whole match list again, which for a
        # common word costs tens of milliseconds at 10k messages.
        candidates = conn.execute(
            f"SELECT f.rowid, f.rank, m.conversation_id, f.snippet FROM (SELECT rowid, {score} AS rank,"
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

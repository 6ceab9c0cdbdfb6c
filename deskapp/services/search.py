"""Search as you type over the cache, for the search box and `deskapp search`.

Message text, subjects and customer names go through FTS5 (prefix matching, bm25 ranking,
snippets); customers are also found by name, email or phone, and orders by number ("#1042" or
"1042"). Whatever the agent types is turned into quoted FTS terms, so FTS syntax in the query
(quotes, ``*``, ``NEAR``, ``-``, parentheses) is searched for as text and never raises.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.exc import OperationalError

from deskapp.store.engine import Database

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
_ORDER_NUMBER = re.compile(r"^#?\s*(\d{2,})$")
MARK_START, MARK_END = "[", "]"


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int | None
    message_id: int | None
    snippet: str
    customer: str
    subject: str
    rank: float
    kind: str = "message"  # message | customer | order
    customer_id: int | None = None
    order_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fts_query(text: str) -> str | None:
    """The agent's words as an FTS5 expression: each word quoted, words of 2+ letters as prefixes."""
    words = _WORD.findall(text or "")
    if not words:
        return None
    terms = []
    for word in words[:16]:  # a pasted paragraph is not a search; keep the query cheap
        quoted = '"' + word.replace('"', '""') + '"'
        terms.append(quoted + "*" if len(word) >= 2 else quoted)
    return " ".join(terms)


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(db: Database, query: str, limit: int = 50) -> list[SearchHit]:
    """Orders by number first, then customers, then messages by bm25 (best message per conversation)."""
    query = (query or "").strip()
    limit = max(1, min(int(limit), 500))
    if not query:
        return []
    hits: list[SearchHit] = []
    with db.read() as conn:
        hits += _orders(conn, query, limit)
        hits += _customers(conn, query, limit)
        hits += _messages(conn, query, limit)
    seen: set[tuple[str, int | None, int | None]] = set()
    unique = []
    for hit in hits:
        key = (hit.kind, hit.conversation_id, hit.order_id or hit.customer_id)
        if key not in seen:
            seen.add(key)
            unique.append(hit)
    return unique[:limit]


def _latest_conversation_sql() -> str:
    return ("(SELECT c.id FROM conversation c WHERE c.customer_id = {col}"
            " ORDER BY coalesce(c.last_message_at, c.created_at) DESC LIMIT 1)")


def _orders(conn, query: str, limit: int) -> list[SearchHit]:
    match = _ORDER_NUMBER.match(query)
    if not match:
        return []
    digits = match.group(1)
    rows = conn.exec_driver_sql(
        'SELECT o.id, o.number, o.customer_id, coalesce(cu.name, \'\'), o.financial_status, o.fulfillment_status,'
        f" {_latest_conversation_sql().format(col='o.customer_id')}"
        ' FROM "order" o LEFT JOIN customer cu ON cu.id = o.customer_id'
        " WHERE o.number IN (?, ?) ORDER BY o.placed_at DESC LIMIT ?",
        (digits, "#" + digits, limit),
    ).all()
    return [SearchHit(conversation_id=r[6], message_id=None, kind="order", order_id=r[0], customer_id=r[2],
                      snippet=f"order {r[1]}: {r[4] or '-'}, {r[5] or 'unfulfilled'}", customer=r[3], subject="",
                      rank=-1000.0) for r in rows]


def _customers(conn, query: str, limit: int) -> list[SearchHit]:
    if len(query) < 2:
        return []
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
    rows = conn.exec_driver_sql(
        "SELECT cu.id, cu.name, " + _latest_conversation_sql().format(col="cu.id") +
        " FROM customer cu WHERE cu.id IN (SELECT id FROM customer WHERE name LIKE ? ESCAPE '\\'"
        " OR name LIKE ? ESCAPE '\\'"
        " UNION SELECT customer_id FROM customer_identity WHERE kind = 'email' AND value LIKE ? ESCAPE '\\'"
        + phone_clause + ") ORDER BY cu.name LIMIT ?",
        (*params, limit),
    ).all()
    hits = []
    for cid, name, conversation_id in rows:
        idents = conn.exec_driver_sql(
            "SELECT value FROM customer_identity WHERE customer_id = ? AND kind IN ('email', 'phone')"
            " ORDER BY kind, value LIMIT 3", (cid,)).scalars().all()
        hits.append(SearchHit(conversation_id=conversation_id, message_id=None, kind="customer", customer_id=cid,
                              snippet=", ".join(idents), customer=name, subject="", rank=-500.0))
    return hits


BROAD_MATCHES = 2000  # a query matching this many messages is ranked by recency, not bm25


def _messages(conn, query: str, limit: int) -> list[SearchHit]:
    """Best message per conversation. bm25 has to score every match, which for the first letters typed
    ("pa": hundreds of thousands of messages) takes far longer than the next keystroke; such broad
    queries list the newest matches first, which FTS5 reads straight off its index and stops early."""
    expression = fts_query(query)
    if expression is None:
        return []
    try:
        broad = conn.exec_driver_sql(
            "SELECT count(*) FROM (SELECT 1 FROM message_fts WHERE message_fts MATCH ? LIMIT ?)",
            (expression, BROAD_MATCHES)).scalar() >= BROAD_MATCHES
        order = "rowid DESC" if broad else "rank"
        candidates = conn.exec_driver_sql(
            "SELECT f.rowid, f.rank, m.conversation_id FROM (SELECT rowid, rank FROM message_fts"
            f" WHERE message_fts MATCH ? ORDER BY {order} LIMIT ?) f JOIN message m ON m.id = f.rowid"
            f" ORDER BY f.{order}",
            (expression, limit * 4)).all()
        best: dict[int, tuple[int, float]] = {}
        for message_id, rank, conversation_id in candidates:
            if conversation_id not in best:
                best[conversation_id] = (message_id, float(rank))
                if len(best) >= limit:
                    break
        if not best:
            return []
        # snippets and conversation details only for what is shown
        ids = [message_id for message_id, _rank in best.values()]
        marks = ",".join("?" * len(ids))
        snippets = dict(conn.exec_driver_sql(
            f"SELECT rowid, snippet(message_fts, 0, '{MARK_START}', '{MARK_END}', '…', 12) FROM message_fts"
            f" WHERE message_fts MATCH ? AND rowid IN ({marks})", (expression, *ids)).all())
    except OperationalError as exc:  # belt and braces: a query FTS5 still dislikes finds nothing
        log.debug("fts query %r failed: %s", expression, exc)
        return []
    marks = ",".join("?" * len(best))
    details = {r[0]: r[1:] for r in conn.exec_driver_sql(
        "SELECT c.id, c.subject, coalesce(cu.name, ''), c.customer_id FROM conversation c"
        f" LEFT JOIN customer cu ON cu.id = c.customer_id WHERE c.id IN ({marks})", tuple(best)).all()}
    hits = []
    for conversation_id, (message_id, rank) in best.items():
        subject, customer, customer_id = details.get(conversation_id, ("", "", None))
        hits.append(SearchHit(conversation_id=conversation_id, message_id=message_id,
                              snippet=snippets.get(message_id) or "", customer=customer, subject=subject or "",
                              rank=rank, customer_id=customer_id))
    return hits

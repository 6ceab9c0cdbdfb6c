"""Search as you type over the cache, for the search box and `deskapp search`.

Message text, subjects and customer names go through FTS5 (prefix matching, bm25 ranking,
snippets); customers are also found by name, email or phone, and orders by number ("#1042" or
"1042"). Whatever the agent types is turned into quoted FTS terms, so FTS syntax in the query
(quotes, ``*``, ``NEAR``, ``-``, parentheses) is searched for as text and never raises. The queries
themselves are deskapp.store.search_index's; here the hits are ranked and put together.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from deskapp.store import search_index
from deskapp.store.search_index import Connection

if TYPE_CHECKING:
    from deskapp.store.cache_reader import CacheReader
    from deskapp.store.engine import Database

_WORD = re.compile(r"\w+", re.UNICODE)
_ORDER_NUMBER = re.compile(r"^#?\s*(\d{2,})$")


class SearchHit(NamedTuple):  # not a dataclass: `deskapp search` starts faster without importing dataclasses
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
        return self._asdict()


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


def search(db: Database | CacheReader, query: str, limit: int = 50) -> list[SearchHit]:
    """Orders by number first, then customers, then messages by bm25 (best message per conversation).

    ``db`` is the app's Database or, for `deskapp search`, the lighter CacheReader."""
    query = (query or "").strip()
    limit = max(1, min(int(limit), 500))
    if not query:
        return []
    hits: list[SearchHit] = []
    with db.read_raw() as conn:
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


def _orders(conn: Connection, query: str, limit: int) -> list[SearchHit]:
    match = _ORDER_NUMBER.match(query)
    if not match:
        return []
    return [SearchHit(conversation_id=r[6], message_id=None, kind="order", order_id=r[0], customer_id=r[2],
                      snippet=f"order {r[1]}: {r[4] or '-'}, {r[5] or 'unfulfilled'}", customer=r[3], subject="",
                      rank=-1000.0) for r in search_index.orders_numbered(conn, match.group(1), limit)]


def _customers(conn: Connection, query: str, limit: int) -> list[SearchHit]:
    if len(query) < 2:
        return []
    hits = []
    for cid, name, conversation_id in search_index.customers_matching(conn, query, limit):
        idents = search_index.contact_points(conn, cid)
        hits.append(SearchHit(conversation_id=conversation_id, message_id=None, kind="customer", customer_id=cid,
                              snippet=", ".join(idents), customer=name, subject="", rank=-500.0))
    return hits


def _messages(conn: Connection, query: str, limit: int) -> list[SearchHit]:
    """Best message per conversation (by bm25, or newest first for a query that matches very many)."""
    expression = fts_query(query)
    if expression is None:
        return []
    return [SearchHit(conversation_id=conversation_id, message_id=message_id, snippet=snippet, customer=customer,
                      subject=subject or "", rank=rank, customer_id=customer_id)
            for conversation_id, message_id, rank, snippet, subject, customer, customer_id
            in search_index.best_messages(conn, expression, limit)]

"""Finds the team's past replies to similar inbound messages (FTS5 bm25 and closeness in meaning), other
customers' data swapped out.

A reply written for another customer names that customer and their order: those are replaced by this
customer's details (or neutral words) so a suggestion never leaks someone else's data.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from deskapp.copilot.features import fold
from deskapp.copilot.similar_messages import similar_messages
from deskapp.store import past_reply_rows as rows
from deskapp.store.engine import Connection

MAX_TERMS = 8
_WORD = re.compile(r"[a-z][a-z0-9']{2,}")
# Words too common in support mail to say what a message is about (en, de, es, fr).
_STOPWORD_TEXT = (
    "the and for you your are was were have has had not but can could would should will with this that "
    "there what when where which who how why from about into out just please thanks thank hello dear "
    "regards best kind get got any some all one two our ours they them their his her she him its it's i'm "
    "i've don't can't order orders ordered hi hey yes okay also still very much really since been being "
    "does did done make made der die das und ist ich nicht mit sie ein eine bitte danke hallo meine mein "
    "haben habe wie was los las que por para con una hola gracias pedido mis the del est les des une pour "
    "avec pas bonjour merci commande "
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class PastReply:
    text: str
    conversation_id: int
    inbound_message_id: int
    reply_message_id: int
    score: float  # 0..1 relative to the best hit of this search
    intent: str | None


MAX_MATCHED_DOCS = 5_000  # bm25 scores every match: keep the rare words whose matches stay under this
RECENT_MESSAGES = 300_000  # search the newest messages only: recent replies reflect today's policies


def candidate_terms(message: str, limit: int = 12) -> list[str]:
    words = [w.strip("'") for w in _WORD.findall(fold(message))]
    picked = [w for w in sorted(dict.fromkeys(words), key=len, reverse=True) if w not in STOPWORDS and len(w) > 2]
    return picked[:limit]


# fts5vocab counts a term's documents by walking its whole doclist (tens of ms for a common word in 1M
# messages), so counts are kept for a while: they change slowly and only steer which words to query.
_COUNT_TTL_S = 600.0
_COUNT_CACHE_MAX = 50_000
_counts: dict[tuple[str, str], tuple[int, float]] = {}
_counts_lock = threading.Lock()


def _doc_counts(conn: Connection, terms: list[str]) -> list[tuple[int, str]]:
    db = str(conn.engine.url.database)
    now = time.monotonic()
    counted = []
    for term in terms:
        with _counts_lock:
            cached = _counts.get((db, term))
        if cached is not None and cached[1] > now:
            doc = cached[0]
        else:
            doc = rows.term_documents(conn, term)
            with _counts_lock:
                if len(_counts) >= _COUNT_CACHE_MAX:
                    _counts.clear()
                _counts[(db, term)] = (doc, now + _COUNT_TTL_S)
        if doc:
            counted.append((doc, term))
    return sorted(counted)


def rare_terms(conn: Connection, terms: list[str], counted: list[tuple[int, str]] | None = None) -> list[str]:
    """The rarest of ``terms`` (by document count in message_fts), as many as keep the match count bounded."""
    chosen: list[str] = []
    total = 0
    for doc, term in counted if counted is not None else _doc_counts(conn, terms):
        if chosen and (total + doc > MAX_MATCHED_DOCS or len(chosen) == MAX_TERMS):
            break
        chosen.append(term)
        total += doc
    return chosen


def fts_query(message: str, terms: list[str] | None = None, *, all_of: bool = False) -> str | None:
    """An OR (or AND) query of the message's most telling words, quoted so customer text is never FTS syntax."""
    picked = terms if terms is not None else candidate_terms(message, MAX_TERMS)
    if not picked:
        return None
    return "text : (" + (" AND " if all_of else " OR ").join(f'"{w}"' for w in picked) + ")"


def bounded_query(conn: Connection, message: str) -> str | None:
    """The FTS query for a message: its rare words OR'ed; when even the rarest is common, the two rarest AND'ed."""
    counted = _doc_counts(conn, candidate_terms(message))
    if not counted:
        return None
    if counted[0][0] > MAX_MATCHED_DOCS and len(counted) > 1:
        return fts_query(message, [counted[0][1], counted[1][1]], all_of=True)
    return fts_query(message, rare_terms(conn, [], counted))


MIN_SIMILAR = 0.55  # similarity from which a past message means the same (random pairs: p95 0.41)


def find_past_replies(conn: Connection, conversation_id: int, message: str, *, limit: int = 3,
                      scan: int = 150, meaning: bool = True) -> list[PastReply]:
    """Replies to other conversations' inbound messages like ``message``: found by its telling words (bm25)
    and, with ``meaning``, by closeness in meaning; a message found both ways ranks higher."""
    found: dict[int, tuple[int, int, float, str | None]] = {}  # conversation -> (message, sent_at, score, intent)
    query = bounded_query(conn, message)
    if query is not None:
        hits = rows.matching_inbound(conn, query, floor=rows.newest_message_id(conn) - RECENT_MESSAGES,
                                     scan=scan, other_than=conversation_id, limit=limit * 6)
        best = hits[0].s if hits else -1.0
        for h in hits:
            if h.conversation_id not in found:
                relative = (h.s / best) if best < 0 else 0.0  # bm25 is negative: closer to the best is better
                found[h.conversation_id] = (h.id, h.sent_at, max(0.0, min(1.0, relative)), h.intent)
    if meaning:
        close = [s for s in similar_messages(conn, conversation_id, message, limit=limit * 2)
                 if s.similarity >= MIN_SIMILAR]
        intents = rows.conversation_intents(conn, [s.conversation_id for s in close])
        for s in close:
            score = (s.similarity - MIN_SIMILAR) / (1 - MIN_SIMILAR) * 0.8 + 0.2
            held = found.get(s.conversation_id)
            if held is None:
                found[s.conversation_id] = (s.message_id, s.sent_at, score, intents.get(s.conversation_id))
            else:  # words and meaning agree
                found[s.conversation_id] = (*held[:2], min(1.0, max(held[2], score) + 0.1), held[3])
    out: list[PastReply] = []
    seen_texts: set[str] = set()
    for conv, (message_id, sent_at, score, intent) in sorted(found.items(), key=lambda kv: -kv[1][2]):
        reply = rows.first_reply_after(conn, conv, sent_at, message_id)
        if reply is None:
            continue
        key = " ".join(reply.text.split())[:120].lower()
        if key in seen_texts:
            continue
        seen_texts.add(key)
        out.append(PastReply(reply.text, conv, message_id, reply.id, score, intent))
        if len(out) == limit:
            break
    return out


def _people_and_orders(conn: Connection, conversation_id: int) -> tuple[list[str], list[str], list[str]]:
    traces = rows.customer_traces(conn, conversation_id)
    if traces is None:
        return [], [], []
    names = [traces.name, *traces.name.split()] if traces.name else []
    numbers = list(traces.order_numbers) + [n.lstrip("#") for n in traces.order_numbers]
    return [n for n in names if len(n) > 1], numbers, list(traces.private)


# What still looks like another customer's data after the known values are swapped out: the cache often
# does not hold the other customer's orders (the shop is read per customer on demand), so their order
# number, tracking link and tracking number must be recognised by shape.
_ORDER_NUMBER = re.compile(r"(?<![\w#/=])#\d{3,}\b")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_TRACKING_URL = re.compile(r"track|awb|\d{6,}", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_GREETING = re.compile(r"(?m)^(\s*(?:hi|hello|hey|dear|hola|hallo|liebe|lieber|bonjour|salut|ciao|buongiorno"
                       r"|olá|oi|hoi|beste)\s+)([^\W\d_][\w'-]*)", re.IGNORECASE)
_TRACKING_NUMBER = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{10,}\b|\b\d{12,}\b")


def _scrub_shapes(out: str, customer: dict[str, Any], order: dict[str, Any]) -> str:
    own_url, own_email = order.get("tracking_url"), customer.get("email")
    out = _GREETING.sub(lambda m: m.group(1) + (customer.get("first_name") or "there"), out)

    def url(m: re.Match[str]) -> str:
        found = m.group(0)
        if found == own_url or not _TRACKING_URL.search(found):
            return found  # this customer's own link, or a general one (help centre, returns page)
        return own_url or "[tracking link]"

    out = _URL.sub(url, out)
    out = _EMAIL.sub(lambda m: m.group(0) if m.group(0) == own_email else own_email or "[email]", out)
    out = _ORDER_NUMBER.sub(lambda m: order.get("number") or "[order]", out)
    own_tracking = order.get("tracking_number")
    urls = [m.span() for m in _URL.finditer(out)]

    def tracking(m: re.Match[str]) -> str:
        if m.group(0) == own_tracking or any(a <= m.start() < b for a, b in urls):
            return m.group(0)  # this customer's, or part of a link already settled above
        return own_tracking or "[tracking number]"

    return _TRACKING_NUMBER.sub(tracking, out)


def depersonalise(conn: Connection, reply: PastReply, context: dict[str, Any]) -> str:
    """The past reply with the other customer's name, order numbers, links and contact details replaced:
    first every value the cache knows of that customer, then whatever still has the shape of one."""
    names, numbers, private = _people_and_orders(conn, reply.conversation_id)
    out = reply.text
    customer = context.get("customer") or {}
    order = context.get("order") or {}
    for value in sorted(private, key=len, reverse=True):
        if value.startswith("http"):
            out = out.replace(value, order.get("tracking_url") or "[tracking link]")
        elif value:
            out = out.replace(value, customer.get("email") or "[email]" if "@" in value else "[contact]")
    for number in sorted(numbers, key=len, reverse=True):
        if number:
            out = re.sub(r"(?<![\w#])#?" + re.escape(number.lstrip("#")) + r"\b", order.get("number") or "[order]", out)
    if names:  # "Bea López" or "Bea" alone: each run of the other customer's names becomes one first name
        alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
        out = re.sub(rf"\b(?:{alternatives})(?:\s+(?:{alternatives}))*\b", customer.get("first_name") or "there", out)
    return _scrub_shapes(out, customer, order)

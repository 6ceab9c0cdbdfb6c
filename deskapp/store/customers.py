"""One customer across accounts and channels, for ingest and the customer panel.

Contacts (one per account-side record) point at a customer. Identities that match exactly (a
normalised email or an E.164 phone) merge customers automatically; weaker evidence (the same name
plus an order email equal to a contact's email, phones that differ only in how they were written)
becomes a ``merge_proposal`` an agent confirms with ``accept_proposal`` or dismisses with
``reject_proposal``.
"""

from __future__ import annotations

import functools
import time
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from deskapp.domain import Contact, IdentityKind
from deskapp.domain.identity import normalize_email, normalize_phone
from deskapp.store.ingest_util import chunks

# Only these kinds are strong enough to merge two people without asking anyone.
EXACT_KINDS = (IdentityKind.EMAIL.value, IdentityKind.PHONE.value)
_PHONE_TAIL = 9  # national significant numbers share their last digits whatever the prefix
_MIN_NAME_KEY = 6  # shorter keys ("ann") match too many people to be worth an agent's time


def _now() -> int:
    return int(time.time())


def _many(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        conn.exec_driver_sql(sql, rows)


def _identity_rows(contact: Contact) -> list[tuple[str, str]]:
    rows = []
    for ident in contact.identities:
        kind, value = str(ident.kind), (ident.value or "").strip()
        if kind == IdentityKind.EMAIL:
            value = normalize_email(value) or ""
        elif kind == IdentityKind.PHONE:
            value = normalize_phone(value) or value
        if value:
            rows.append((kind, value))
    return list(dict.fromkeys(rows))


def _customers_by_identity(conn: Connection, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], set[int]]:
    found: dict[tuple[str, str], set[int]] = {}
    exact = [p for p in pairs if p[0] in EXACT_KINDS]
    for chunk in chunks(exact):
        marks = ",".join("(?,?)" for _ in chunk)
        flat = [v for pair in chunk for v in pair]
        for kind, value, cid in conn.exec_driver_sql(
            f"SELECT kind, value, customer_id FROM customer_identity WHERE (kind, value) IN (VALUES {marks})",
            tuple(flat),
        ):
            found.setdefault((kind, value), set()).add(cid)
    return found


def upsert_contacts(conn: Connection, account_id: int, contacts: list[Contact]) -> dict[str, int]:
    """Contacts of one account -> {external_id: customer_id}, merging on exact identities."""
    if not contacts:
        return {}
    by_ext = {c.external_id: c for c in contacts}  # the same contact twice in a page: the last wins
    existing = _contact_customers(conn, account_id, list(by_ext))
    known_names = _contact_names(conn, account_id, list(by_ext))
    wanted = {ext: _identity_rows(c) for ext, c in by_ext.items()}
    matches = _customers_by_identity(conn, [p for rows in wanted.values() for p in rows])
    now = _now()
    result: dict[str, int] = {}
    touched: set[int] = set()
    for ext, contact in by_ext.items():
        candidates = {cid for pair in wanted[ext] for cid in matches.get(pair, ())}
        created = False
        own = existing.get(ext)
        if own is not None:
            candidates.add(own)
        if candidates:
            keep = min(candidates)
            for other in sorted(candidates - {keep}):
                merge_customers(conn, keep, other)
                for ids in matches.values():
                    if other in ids:
                        ids.discard(other)
                        ids.add(keep)
        else:
            keep = int(conn.exec_driver_sql(
                "INSERT INTO customer (name, created_at, updated_at) VALUES (?, ?, ?)",
                (contact.name or "", _ts(contact.created_at) or now, now),
            ).lastrowid)
            created = True
        previous = known_names.get(ext) or ""
        # a name still unknown, or the one this contact gave before and now changed on the service (a name
        # taken from another account, or merged by hand, stays)
        if contact.name and not created and conn.exec_driver_sql(
            "UPDATE customer SET name = ?, updated_at = ? WHERE id = ? AND (name = '' OR (name = ? AND ? != ?))",
            (contact.name, now, keep, previous, previous, contact.name),
        ).rowcount:
            reindex_customer_messages(conn, keep)  # messages indexed under the old name
        result[ext] = keep
        touched.add(keep)
        for pair in wanted[ext]:
            matches.setdefault(pair, set()).add(keep)
    _many(
        conn,
        "INSERT INTO contact (account_id, external_id, customer_id, name) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(account_id, external_id) DO UPDATE SET customer_id = excluded.customer_id,"
        " name = CASE WHEN excluded.name != '' THEN excluded.name ELSE contact.name END",
        [(account_id, ext, result[ext], by_ext[ext].name or "") for ext in by_ext],
    )
    _many(
        conn,
        "INSERT OR IGNORE INTO customer_identity (customer_id, kind, value, account_id) VALUES (?, ?, ?, ?)",
        [(result[ext], kind, value, account_id) for ext, rows in wanted.items() for kind, value in rows],
    )
    propose_fuzzy_merges(conn, touched)
    return result


def ensure_contacts(conn: Connection, account_id: int, external_ids: Iterable[str]) -> dict[str, int]:
    """{external_id: customer_id} for contacts records point at, creating bare ones not yet pulled.

    A conversation can name a contact created after the contacts stream was read; a bare contact
    keeps the link, and the next contacts pull fills in its name and identities.
    """
    wanted = [e for e in dict.fromkeys(external_ids) if e]
    if not wanted:
        return {}
    found = _contact_customers(conn, account_id, wanted)
    missing = [e for e in wanted if e not in found]
    if missing:
        found.update(upsert_contacts(conn, account_id, [Contact(external_id=e, name="") for e in missing]))
    return found


def _contact_column(conn: Connection, account_id: int, external_ids: list[str], column: str) -> dict[str, Any]:
    """external id -> ``column`` (a column name of ours) of the account's contacts among ``external_ids``."""
    values: dict[str, Any] = {}
    for chunk in chunks(external_ids):
        marks = ",".join("?" * len(chunk))
        values.update(conn.exec_driver_sql(
            f"SELECT external_id, {column} FROM contact WHERE account_id = ? AND external_id IN ({marks})",
            (account_id, *chunk),
        ).tuples().all())
    return values


def _contact_names(conn: Connection, account_id: int, external_ids: list[str]) -> dict[str, str]:
    return _contact_column(conn, account_id, external_ids, "name")


def _contact_customers(conn: Connection, account_id: int, external_ids: list[str]) -> dict[str, int]:
    return _contact_column(conn, account_id, external_ids, "customer_id")


def customer_for_order_identity(conn: Connection, email: str, phone: str) -> int | None:
    """The customer an order without a shop customer belongs to, by its email or phone."""
    for kind, value in ((IdentityKind.EMAIL, normalize_email(email or "")),
                        (IdentityKind.PHONE, normalize_phone(phone or "") if phone else None)):
        if value:
            cid = conn.exec_driver_sql(
                "SELECT min(customer_id) FROM customer_identity WHERE kind = ? AND value = ?", (str(kind), value)
            ).scalar()
            if cid is not None:
                return int(cid)
    return None


_REFERENCES: list[tuple[str, str]] | None = None


def _customer_references(conn: Connection) -> list[tuple[str, str]]:
    """(table, column) pairs with a foreign key to customer.id, found in the live schema.

    Read from SQLite rather than listed here so tables other features add (KPI rollups, copilot)
    are re-pointed too and a merge never trips a foreign key.
    """
    global _REFERENCES
    if _REFERENCES is None:
        refs = []
        for (table,) in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).all():
            for fk in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').all():
                if fk[2] == "customer" and table not in ("customer_identity", "merge_proposal"):
                    refs.append((table, fk[3]))
        _REFERENCES = refs
    return _REFERENCES


def merge_customers(conn: Connection, keep: int, drop: int) -> None:
    """Moves everything of customer ``drop`` onto ``keep`` and deletes ``drop``."""
    if keep == drop:
        return
    for table, column in _customer_references(conn):
        conn.exec_driver_sql(f'UPDATE OR IGNORE "{table}" SET "{column}" = ? WHERE "{column}" = ?', (keep, drop))
        conn.exec_driver_sql(f'DELETE FROM "{table}" WHERE "{column}" = ?', (drop,))
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO customer_identity (customer_id, kind, value, account_id)"
        " SELECT ?, kind, value, account_id FROM customer_identity WHERE customer_id = ?", (keep, drop),
    )
    # Proposals about the dropped customer now concern the kept one (or vanish if about the pair).
    for pid, a, b, reason, state, created in conn.exec_driver_sql(
        "SELECT id, customer_id, other_customer_id, reason, state, created_at FROM merge_proposal"
        " WHERE customer_id = ? OR other_customer_id = ?", (drop, drop),
    ).all():
        conn.exec_driver_sql("DELETE FROM merge_proposal WHERE id = ?", (pid,))
        a, b = (keep if a == drop else a), (keep if b == drop else b)
        if a != b:
            conn.exec_driver_sql(
                "INSERT OR IGNORE INTO merge_proposal (customer_id, other_customer_id, reason, state, created_at)"
                " VALUES (?, ?, ?, ?, ?)", (min(a, b), max(a, b), reason, state, created),
            )
    conn.exec_driver_sql(
        "UPDATE customer SET name = (SELECT name FROM customer WHERE id = ?) WHERE id = ? AND name = ''", (drop, keep)
    )
    conn.exec_driver_sql("DELETE FROM customer WHERE id = ?", (drop,))
    reindex_customer_messages(conn, keep)


def reindex_customer_messages(conn: Connection, customer_id: int) -> None:
    """Refresh the FTS rows (customer name, subject) of every message in the customer's conversations."""
    scope = ("SELECT m.id FROM message m JOIN conversation c ON c.id = m.conversation_id"
             " WHERE c.customer_id = ?")
    conn.exec_driver_sql(f"DELETE FROM message_fts WHERE rowid IN ({scope})", (customer_id,))
    conn.exec_driver_sql(
        "INSERT INTO message_fts (rowid, text, subject, customer_name)"
        " SELECT m.id, m.text, c.subject, coalesce(cu.name, '') FROM message m"
        " JOIN conversation c ON c.id = m.conversation_id LEFT JOIN customer cu ON cu.id = c.customer_id"
        " WHERE c.customer_id = ?", (customer_id,))


def _propose(conn: Connection, a: int, b: int, reason: str) -> None:
    if a == b:
        return
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO merge_proposal (customer_id, other_customer_id, reason, state, created_at)"
        " VALUES (?, ?, ?, 'pending', ?)", (min(a, b), max(a, b), reason, _now()),
    )


def propose_fuzzy_merges(conn: Connection, customer_ids: Iterable[int]) -> int:
    """Stores proposals for the given customers' fuzzy matches; returns how many pairs were seen."""
    ids = sorted(set(customer_ids))
    pairs = 0
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        # Same name, and an order of one carries the email of the other.
        rows = conn.exec_driver_sql(
            "SELECT DISTINCT ci.customer_id, o.customer_id FROM \"order\" o"
            " JOIN customer_identity ci ON ci.kind = 'email' AND ci.value = lower(trim(o.email))"
            " JOIN customer ca ON ca.id = ci.customer_id JOIN customer cb ON cb.id = o.customer_id"
            " WHERE o.email != '' AND ci.customer_id != o.customer_id AND ca.name != ''"
            " AND lower(trim(ca.name)) = lower(trim(cb.name))"
            f" AND (ci.customer_id IN ({marks}) OR o.customer_id IN ({marks}))",
            (*chunk, *chunk),
        ).all()
        for a, b in rows:
            _propose(conn, a, b, "same name and order email")
        pairs += len(rows)
        # Phones written differently (a missing country code parses to another E.164 number).
        tails: dict[str, set[tuple[int, str]]] = {}
        for cid, value in conn.exec_driver_sql(
            f"SELECT customer_id, value FROM customer_identity WHERE kind = 'phone' AND customer_id IN ({marks})",
            tuple(chunk),
        ).all():
            digits = "".join(ch for ch in value if ch.isdigit())
            if len(digits) >= _PHONE_TAIL:
                tails.setdefault(digits[-_PHONE_TAIL:], set()).add((cid, value))
        for tail_chunk in chunks(list(tails)):
            tail_marks = ",".join("?" * len(tail_chunk))
            for cid, value in conn.exec_driver_sql(
                "SELECT customer_id, value FROM customer_identity WHERE kind = 'phone'"
                f" AND substr(value, -{_PHONE_TAIL}) IN ({tail_marks})", tuple(tail_chunk),
            ).all():
                digits = "".join(ch for ch in value if ch.isdigit())
                for own_id, own_value in tails.get(digits[-_PHONE_TAIL:], ()):
                    if cid != own_id and value != own_value:
                        _propose(conn, own_id, cid, "similar phone number")
                        pairs += 1
        pairs += _propose_social_lookalikes(conn, chunk)
    return pairs


@functools.lru_cache(maxsize=65536)
def _name_key(value: str) -> str:
    """Letters only, lower case, accents stripped: "Björn García" and "bjorn_garcia91" -> "bjorngarcia"."""
    decomposed = unicodedata.normalize("NFKD", value.split(":", 1)[-1])
    return "".join(ch for ch in decomposed if ch.isalpha() and not unicodedata.combining(ch)).lower()


def _propose_social_lookalikes(conn: Connection, chunk: list[int]) -> int:
    """Customers known only by a social handle whose handle or name looks like a known customer's name.

    Social channels rarely share an email or phone, so this is a proposal at best: names collide.
    """
    marks = ",".join("?" * len(chunk))
    known = {cid for (cid,) in conn.exec_driver_sql(
        f"SELECT DISTINCT customer_id FROM customer_identity WHERE kind IN ('email', 'phone')"
        f" AND customer_id IN ({marks})", tuple(chunk)).all()}
    lonely = [cid for cid in chunk if cid not in known]
    found = 0
    for cid in lonely:
        keys = {_name_key(v) for (v,) in conn.exec_driver_sql(
            "SELECT value FROM customer_identity WHERE customer_id = ? AND kind IN ('handle', 'external')"
            " UNION SELECT name FROM customer WHERE id = ?", (cid, cid)).all()}
        for key in {k for k in keys if len(k) >= _MIN_NAME_KEY}:
            for other, name in conn.exec_driver_sql(
                "SELECT cu.id, cu.name FROM customer cu WHERE cu.id != ? AND cu.name LIKE ? AND EXISTS"
                " (SELECT 1 FROM customer_identity ci WHERE ci.customer_id = cu.id AND ci.kind IN ('email', 'phone'))",
                (cid, key[:2] + "%"),
            ).all():
                theirs = _name_key(name)
                if len(theirs) >= _MIN_NAME_KEY and (theirs.startswith(key) or key.startswith(theirs)):
                    _propose(conn, cid, other, "social contact resembling this customer's name")
                    found += 1
    return found


def accept_proposal(conn: Connection, proposal_id: int) -> int | None:
    """Merges the proposed pair (the older customer survives); returns the surviving id."""
    row = conn.exec_driver_sql(
        "SELECT customer_id, other_customer_id, state FROM merge_proposal WHERE id = ?", (proposal_id,)
    ).first()
    if row is None or row[2] != "pending":
        return None
    keep: int = min(row[0], row[1])
    drop: int = max(row[0], row[1])
    conn.exec_driver_sql("UPDATE merge_proposal SET state = 'accepted' WHERE id = ?", (proposal_id,))
    merge_customers(conn, keep, drop)
    return keep


def reject_proposal(conn: Connection, proposal_id: int) -> bool:
    """Marks the proposal rejected; the pair is never proposed again (the row stays, unique per pair)."""
    return bool(conn.exec_driver_sql(
        "UPDATE merge_proposal SET state = 'rejected' WHERE id = ? AND state = 'pending'", (proposal_id,)
    ).rowcount)


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None

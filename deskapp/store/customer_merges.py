"""Merge proposals as an agent decides them, for services.customers and services.actions: the proposal,
the two customers' Chatwoot contacts, folding one customer into the other, rejecting."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from deskapp.store.engine import Database


def proposal(conn: Connection, proposal_id: int) -> tuple[int, int, str] | None:
    """(customer_id, other_customer_id, state) of a merge proposal."""
    p = conn.execute(text("SELECT customer_id, other_customer_id, state FROM merge_proposal WHERE id = :id"),
                     {"id": proposal_id}).first()
    return (p.customer_id, p.other_customer_id, p.state) if p is not None else None


def chatwoot_contacts(conn: Connection, keep: int, gone: int) -> list[tuple[int, int, str]]:
    """(account_id, customer_id, external_id) of both customers' contacts on Chatwoot accounts, oldest first."""
    rows = conn.execute(text(
        "SELECT c.account_id, c.customer_id, c.external_id FROM contact c JOIN account a ON a.id = c.account_id"
        " WHERE a.kind = 'chatwoot' AND c.customer_id IN (:keep, :gone) ORDER BY c.id"),
        {"keep": keep, "gone": gone}).all()
    return [(r[0], r[1], r[2]) for r in rows]


def fold(conn: Connection, proposal_id: int, keep: int, gone: int, *, now: int) -> None:
    """Move everything of customer ``gone`` to ``keep`` (contacts, conversations, orders, surveys,
    identities, other proposals), mark the proposal accepted and delete ``gone``."""
    args: dict[str, Any] = {"keep": keep, "gone": gone}
    for table in ("contact", "conversation", '"order"', "survey_response"):
        conn.execute(text(f"UPDATE {table} SET customer_id = :keep WHERE customer_id = :gone"), args)
    conn.execute(text("INSERT OR IGNORE INTO customer_identity(customer_id, kind, value, account_id)"
                      " SELECT :keep, kind, value, account_id FROM customer_identity WHERE customer_id = :gone"),
                 args)
    conn.execute(text("UPDATE merge_proposal SET state = 'accepted' WHERE id = :id"), {"id": proposal_id})
    # Proposals of the vanished customer now concern the kept one (or are moot when they pair them).
    conn.execute(text("DELETE FROM merge_proposal WHERE state = 'pending' AND"
                      " ((customer_id = :gone AND other_customer_id = :keep) OR"
                      " (customer_id = :keep AND other_customer_id = :gone))"), args)
    conn.execute(text("UPDATE OR IGNORE merge_proposal SET customer_id = :keep WHERE customer_id = :gone"), args)
    conn.execute(text("UPDATE OR IGNORE merge_proposal SET other_customer_id = :keep"
                      " WHERE other_customer_id = :gone"), args)
    conn.execute(text("DELETE FROM merge_proposal WHERE customer_id = :gone OR other_customer_id = :gone"), args)
    conn.execute(text("DELETE FROM customer_identity WHERE customer_id = :gone"), args)
    conn.execute(text("DELETE FROM customer WHERE id = :gone"), args)
    conn.execute(text("UPDATE customer SET updated_at = :now WHERE id = :keep"), {**args, "now": now})


def reject(db: Database, proposal_id: int) -> None:
    with db.write() as conn:
        conn.execute(text("UPDATE merge_proposal SET state = 'rejected' WHERE id = :id"), {"id": proposal_id})

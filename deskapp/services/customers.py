"""The customer panel's data (identities, merge proposals, lifetime value, orders, past conversations) and merges.

A merge is confirmed by an agent only: the other customer's contacts, identities, conversations,
orders and surveys move to the kept customer in one transaction.
"""

from __future__ import annotations

import time
from datetime import datetime

from deskapp.services.returns import judge_orders
from deskapp.store import customer_merges, customer_profile
from deskapp.store.customer_profile import CustomerProfile, MergeProposalInfo, OrderInfo, PastConversation
from deskapp.store.engine import Connection, Database

# The panel's records are the store's read model, offered to the UI from here.
__all__ = ["CustomerProfile", "MergeProposalInfo", "OrderInfo", "PastConversation", "confirm_merge", "merged_away",
           "profile", "reject_merge"]


def profile(db: Database, customer_id: int, *, order_limit: int = 1000, conversation_limit: int = 200,
            now: datetime | None = None) -> CustomerProfile | None:
    """The panel's profile, each order with its return eligibility at ``now`` (default: the clock)."""
    found = customer_profile.read(db, customer_id, order_limit=order_limit, conversation_limit=conversation_limit)
    if found is not None:
        judge_orders(db, found.orders, now)
    return found


def reject_merge(db: Database, proposal_id: int) -> None:
    customer_merges.reject(db, proposal_id)


def merged_away(conn: Connection, proposal_id: int, keep_customer_id: int) -> int:
    """The customer a pending proposal folds into ``keep_customer_id``; ValueError when it cannot."""
    p = customer_merges.proposal(conn, proposal_id)
    if p is None or p[2] != "pending":
        raise ValueError("this merge proposal is no longer pending")
    customer_id, other_customer_id, _state = p
    if keep_customer_id not in (customer_id, other_customer_id):
        raise ValueError("the kept customer is not part of this proposal")
    return other_customer_id if keep_customer_id == customer_id else customer_id


def confirm_merge(db: Database, proposal_id: int, keep_customer_id: int) -> int:
    """Fold the proposal's other customer into ``keep_customer_id``; returns the kept id."""
    with db.write() as conn:
        gone = merged_away(conn, proposal_id, keep_customer_id)
        customer_merges.fold(conn, proposal_id, keep_customer_id, gone, now=int(time.time()))
    return keep_customer_id

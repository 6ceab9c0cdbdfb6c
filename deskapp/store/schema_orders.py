"""The order actions an agent queued (refund, cancel, address change) as the cache shows them beside the order,
and the refunds the shop reports on each order.

One row per outbox item of an order kind, keyed by its client id: written with the outbox item (the
optimistic state), moved to ``done`` or ``refused`` as the replayer settles it, re-applied from the outbox
after a cache rebuild. Built by migrations/versions/0009_order_actions.py.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, Table, Text, UniqueConstraint

from deskapp.store.schema import metadata

order_action = Table(
    "order_action", metadata,
    Column("client_id", Text, primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE"), nullable=False),
    Column("order_external_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("summary", Text, nullable=False),  # "Refund 28.00 USD for 1 × Merino Crew, reason damaged"
    Column("state", Text, nullable=False, server_default="queued"),  # queued | done | refused
    Column("detail", Text, nullable=False, server_default=""),  # the shop's words when refused
    Column("created_at", Float, nullable=False),
    Index("ix_order_action_order", "account_id", "order_external_id", "created_at"),
)

# The shop's refunds of an order, replaced with the order at each pull (migration 0011). A refund deskapp
# made carries its outbox marker in ``note``: the refund figures tell whose it was by it.
order_refund = Table(
    "order_refund", metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("order.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", Text, nullable=False),
    Column("created_at", Integer),
    Column("amount", Float, nullable=False, server_default="0"),
    Column("currency", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    UniqueConstraint("order_id", "external_id"),
    Index("ix_order_refund_created", "created_at"),
)

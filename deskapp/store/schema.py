"""SQLAlchemy Core tables of the local cache, for repositories and the migration drift test.

Times are stored as integer Unix seconds (UTC): cheap to compare and to subtract for KPIs.
Lists (labels, tracking numbers) are JSON text for display, with side tables where we filter on them.
The message_fts and customer_fts virtual tables and their triggers are created by migrations only
(SQLAlchemy cannot describe them); see migrations/versions/0001_initial.py and 0010_growth_indexes.py.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()


def all_metadata() -> MetaData:
    """``metadata`` with every feature's tables: modules named ``deskapp.store.schema_*`` add theirs."""
    import importlib
    import pkgutil

    import deskapp.store as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("schema_"):
            importlib.import_module(f"deskapp.store.{info.name}")
    return metadata


def _pk() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _account_fk() -> Column[int]:
    return Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE"), nullable=False)


# A copy of the profile's accounts (store.profile_mirror) that synced rows hang off, with the sync state.
account = Table(
    "account", metadata,
    _pk(),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("base_url", Text, nullable=False, server_default=""),
    Column("settings", Text, nullable=False, server_default="{}"),  # JSON, never a secret
    Column("state", Text, nullable=False, server_default="unknown"),
    Column("last_sync", Integer),
    Column("last_error", Text),
    Column("created_at", Integer, nullable=False),
)

agent = Table(
    "agent", metadata,
    _pk(), _account_fk(),
    Column("external_id", Text, nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    Column("email", Text, nullable=False, server_default=""),
    Column("role", Text, nullable=False, server_default="agent"),
    Column("is_me", Integer, nullable=False, server_default="0"),
    UniqueConstraint("account_id", "external_id"),
)

team = Table(
    "team", metadata,
    _pk(), _account_fk(),
    Column("external_id", Text, nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    UniqueConstraint("account_id", "external_id"),
)

customer = Table(
    "customer", metadata,
    _pk(),
    Column("name", Text, nullable=False, server_default=""),
    Column("created_at", Integer),
    Column("updated_at", Integer),
)

# One row per account-side record of a customer (Chatwoot contact, Shopify customer, mail sender).
contact = Table(
    "contact", metadata,
    _pk(), _account_fk(),
    Column("external_id", Text, nullable=False),
    Column("customer_id", Integer, ForeignKey("customer.id"), nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    UniqueConstraint("account_id", "external_id"),
    Index("ix_contact_customer", "customer_id"),
)

customer_identity = Table(
    "customer_identity", metadata,
    _pk(),
    Column("customer_id", Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("account_id", Integer, ForeignKey("account.id", ondelete="SET NULL")),
    UniqueConstraint("customer_id", "kind", "value"),
    Index("ix_identity_value", "kind", "value"),
)

# Fuzzy matches (same name + same order email, same phone in another format...) wait for an agent.
merge_proposal = Table(
    "merge_proposal", metadata,
    _pk(),
    Column("customer_id", Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    Column("other_customer_id", Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("state", Text, nullable=False, server_default="pending"),  # pending | accepted | rejected
    Column("created_at", Integer, nullable=False),
    UniqueConstraint("customer_id", "other_customer_id"),
)

conversation = Table(
    "conversation", metadata,
    _pk(), _account_fk(),
    Column("external_id", Text, nullable=False),
    Column("customer_id", Integer, ForeignKey("customer.id")),
    Column("channel", Text, nullable=False),
    Column("inbox_name", Text, nullable=False, server_default=""),
    Column("subject", Text, nullable=False, server_default=""),
    Column("snippet", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),
    Column("priority", Text, nullable=False, server_default="none"),
    Column("assignee_id", Integer, ForeignKey("agent.id", ondelete="SET NULL")),
    Column("team_id", Integer, ForeignKey("team.id", ondelete="SET NULL")),
    Column("labels", Text, nullable=False, server_default="[]"),
    Column("intent", Text),
    Column("intent_score", Float),
    Column("urgency", Text),
    Column("urgency_score", Float),
    Column("sentiment", Text),
    Column("sentiment_score", Float),
    Column("triage_locked", Integer, nullable=False, server_default="0"),  # an agent corrected it
    Column("created_at", Integer, nullable=False),
    Column("updated_at", Integer, nullable=False),
    Column("first_response_at", Integer),
    Column("resolved_at", Integer),
    Column("last_message_at", Integer),
    Column("snoozed_until", Integer),
    Column("unread", Integer, nullable=False, server_default="0"),
    Column("sla_due_at", Integer),
    Column("csat", Integer),
    Column("message_count", Integer, nullable=False, server_default="0"),
    UniqueConstraint("account_id", "external_id"),
    Index("ix_conversation_status_last", "status", "last_message_at"),
    Index("ix_conversation_assignee", "assignee_id", "status"),
    Index("ix_conversation_customer", "customer_id"),
    Index("ix_conversation_created", "created_at"),
    Index("ix_conversation_channel", "channel", "status"),
)

conversation_label = Table(
    "conversation_label", metadata,
    Column("conversation_id", Integer, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    Column("label", Text, nullable=False),
    PrimaryKeyConstraint("conversation_id", "label"),
    Index("ix_label_label", "label"),
)

# Status history (resolved, reopened, assigned...): FCR needs "not reopened within 7 days".
conversation_event = Table(
    "conversation_event", metadata,
    _pk(),
    Column("conversation_id", Integer, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("at", Integer, nullable=False),
    Column("agent_id", Integer, ForeignKey("agent.id", ondelete="SET NULL")),
    Column("value", Text),
    Index("ix_event_conversation", "conversation_id", "at"),
)

message = Table(
    "message", metadata,
    _pk(), _account_fk(),
    Column("external_id", Text, nullable=False),
    Column("conversation_id", Integer, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    Column("direction", Text, nullable=False),
    Column("author_name", Text, nullable=False, server_default=""),
    Column("author_external_id", Text),
    Column("text", Text, nullable=False, server_default=""),
    Column("html", Text, nullable=False, server_default=""),
    Column("sent_at", Integer, nullable=False),
    Column("delivery", Text, nullable=False, server_default="received"),
    Column("client_id", Text),
    Column("automated", Integer, nullable=False, server_default="0"),
    Column("has_attachments", Integer, nullable=False, server_default="0"),
    Column("author_kind", Text, nullable=False, server_default=""),  # agent | bot | contact | system | ''
    Column("deleted", Integer, nullable=False, server_default="0"),  # removed on the service
    Column("status_event", Text),  # resolved | reopened: the status change an activity notice records
    Column("intent", Text),
    Column("urgency", Text),
    Column("sentiment", Text),
    Column("triage_scores", Text),  # JSON
    UniqueConstraint("account_id", "external_id"),
    Index("ix_message_conversation", "conversation_id", "sent_at"),
    Index("ix_message_client_id", "client_id"),
)

attachment = Table(
    "attachment", metadata,
    _pk(),
    Column("message_id", Integer, ForeignKey("message.id", ondelete="CASCADE"), nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", Text, nullable=False, server_default="application/octet-stream"),
    Column("size", Integer, nullable=False, server_default="0"),
    Column("url", Text, nullable=False, server_default=""),
    Column("sha256", Text, nullable=False, server_default=""),
    Column("local_path", Text),
    Index("ix_attachment_message", "message_id"),
)

order = Table(
    "order", metadata,
    _pk(), _account_fk(),
    Column("external_id", Text, nullable=False),
    Column("customer_id", Integer, ForeignKey("customer.id")),
    Column("number", Text, nullable=False),
    Column("placed_at", Integer, nullable=False),
    Column("updated_at", Integer, nullable=False),
    Column("total", Float, nullable=False, server_default="0"),
    Column("currency", Text, nullable=False, server_default=""),
    Column("financial_status", Text, nullable=False, server_default=""),
    Column("fulfillment_status", Text, nullable=False, server_default=""),
    Column("email", Text, nullable=False, server_default=""),
    Column("phone", Text, nullable=False, server_default=""),
    Column("tracking_numbers", Text, nullable=False, server_default="[]"),
    Column("tracking_urls", Text, nullable=False, server_default="[]"),
    Column("cancelled_at", Integer),
    # the facts return eligibility and the refund figures read (migration 0011)
    Column("total_refunded", Float, nullable=False, server_default="0"),
    Column("delivered_at", Integer),  # the latest delivery a carrier reported
    Column("fulfilled_at", Integer),  # the latest shipment
    Column("in_transit", Integer, nullable=False, server_default="0"),  # a shipment is still under way
    UniqueConstraint("account_id", "external_id"),
    Index("ix_order_customer", "customer_id", "placed_at"),
    Index("ix_order_number", "number"),
    Index("ix_order_placed", "placed_at"),
)

order_line = Table(
    "order_line", metadata,
    _pk(),
    Column("order_id", Integer, ForeignKey("order.id", ondelete="CASCADE"), nullable=False),
    Column("title", Text, nullable=False),
    Column("quantity", Integer, nullable=False, server_default="1"),
    Column("sku", Text, nullable=False, server_default=""),
    Column("unit_price", Float, nullable=False, server_default="0"),
    Column("refunded_quantity", Integer, nullable=False, server_default="0"),
    Column("product_tags", Text, nullable=False, server_default="[]"),  # JSON list
    Column("product_type", Text, nullable=False, server_default=""),
    Index("ix_order_line_order", "order_id"),
)

# Canned responses synced from the servers; the agent's own templates live in the profile.
template = Table(
    "template", metadata,
    _pk(),
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE")),
    Column("external_id", Text),
    Column("name", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("shortcut", Text, nullable=False, server_default=""),
    Column("scope", Text, nullable=False, server_default="team"),
    Column("intents", Text, nullable=False, server_default="[]"),
    Column("updated_at", Integer, nullable=False),
    UniqueConstraint("account_id", "external_id"),
)

survey_response = Table(
    "survey_response", metadata,
    _pk(),
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE")),
    Column("external_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("score", Integer, nullable=False),
    Column("conversation_id", Integer, ForeignKey("conversation.id", ondelete="SET NULL")),
    Column("customer_id", Integer, ForeignKey("customer.id", ondelete="SET NULL")),
    Column("at", Integer, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    UniqueConstraint("account_id", "external_id"),
    Index("ix_survey_kind_at", "kind", "at"),
)

# Committed in the same transaction as the rows it covers (docs/architecture.md, Sync).
sync_cursor = Table(
    "sync_cursor", metadata,
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE"), nullable=False),
    Column("stream", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("updated_at", Integer, nullable=False),
    PrimaryKeyConstraint("account_id", "stream"),
)

# Copies of the profile's settings (store.profile_mirror), for SQL that reads them in the cache.
setting = Table(
    "setting", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

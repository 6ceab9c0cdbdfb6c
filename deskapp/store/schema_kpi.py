"""KPI rollup tables (docs/architecture.md, KPIs) kept current during ingest, so dashboards never scan all messages.

``kpi_conversation`` is one narrow row per conversation: what only the messages and the status
history can tell (first inbound, first public human reply, how many such replies, reopened within 7
days of a resolution; refreshed by the sync apply-hook), plus a copy of the conversation columns the
figures filter and group on (kept by triggers on ``conversation``, so every writer — sync, offline
actions, triage corrections — keeps it current). Its covering indexes let each dashboard query read
index entries only. ``kpi_reply`` counts public human replies per conversation, author and 15-minute
UTC bucket: every real time zone offset is a multiple of 15 minutes, so local-day totals stay exact.
Filled by ``deskapp.kpi.rollup``; the triggers are created by migration 0003 (0007 adds sla_due_at to them).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, PrimaryKeyConstraint, Table, Text

from deskapp.store.schema import metadata

kpi_conversation = Table(
    "kpi_conversation", metadata,
    Column("conversation_id", Integer, ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True),
    # copied from conversation by triggers
    Column("account_id", Integer),
    Column("customer_id", Integer),
    Column("channel", Text),
    Column("status", Text),
    Column("assignee_id", Integer),
    Column("team_id", Integer),
    Column("intent", Text),
    Column("created_at", Integer),
    Column("resolved_at", Integer),
    # derived from messages and conversation_event by the apply-hook
    Column("first_inbound_at", Integer),
    Column("first_reply_at", Integer),  # first public, human agent reply at or after first_inbound_at
    Column("first_reply_agent_id", Integer),
    Column("human_replies", Integer, nullable=False, server_default="0"),
    Column("reopened_7d", Integer, nullable=False, server_default="0"),
    Column("sla_due_at", Integer),  # copied too: the first-response deadline while it runs (store.sla_clock)
    Index("ix_kpi_conv_created", "created_at", "channel", "status", "assignee_id", "team_id", "intent",
          "first_inbound_at", "first_reply_at"),
    Index("ix_kpi_conv_resolved", "resolved_at", "status", "created_at", "assignee_id", "channel", "team_id",
          "intent", "human_replies", "reopened_7d"),
    Index("ix_kpi_conv_open", "status", "created_at", "channel", "assignee_id", "team_id", "intent",
          "first_inbound_at", "first_reply_at", "sla_due_at"),
    Index("ix_kpi_conv_customer", "customer_id", "created_at", "channel"),
)

kpi_reply = Table(
    "kpi_reply", metadata,
    Column("conversation_id", Integer, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    Column("agent_id", Integer, nullable=False),  # 0 = author unknown (the assignee is used then)
    Column("bucket", Integer, nullable=False),  # sent_at rounded down to 15 minutes, UTC
    Column("replies", Integer, nullable=False),
    PrimaryKeyConstraint("conversation_id", "agent_id", "bucket"),
    Index("ix_kpi_reply_bucket", "bucket", "agent_id", "replies", "conversation_id"),
    Index("ix_kpi_reply_agent", "agent_id", "bucket", "replies"),
)

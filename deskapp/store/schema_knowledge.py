"""Knowledge-base tables of the cache: help-center articles synced from the hub (help_article_fts, their
full-text index, is created by migrations only, like message_fts)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, Table, Text, UniqueConstraint

from deskapp.store.schema import metadata

help_article = Table(
    "help_article", metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE"), nullable=False),
    Column("portal_slug", Text, nullable=False),
    Column("external_id", Text, nullable=False),
    Column("slug", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("body", Text, nullable=False, server_default=""),  # plain text, sanitized: never markup
    Column("locale", Text, nullable=False, server_default=""),
    Column("category", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),  # draft | published | archived: only published ones are suggested
    Column("url", Text, nullable=False),
    Column("updated_at", Integer, nullable=False, server_default="0"),
    Column("synced_at", Integer, nullable=False),
    UniqueConstraint("account_id", "portal_slug", "external_id"),
)
Index("ix_help_article_status", help_article.c.status)

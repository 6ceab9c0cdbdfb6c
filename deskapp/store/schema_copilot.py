"""Copilot tables for the cache: retrained triage models (the shipped one lives in the package)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, Table

from deskapp.store.schema import metadata

# Each `deskapp triage retrain` adds a row; the newest wins over the model shipped in the package.
triage_model = Table(
    "triage_model", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", Integer, nullable=False),
    Column("examples", Integer, nullable=False, server_default="0"),
    Column("corrections", Integer, nullable=False, server_default="0"),
    Column("model", LargeBinary, nullable=False),  # gzip'd JSON, see deskapp.copilot.model
)

"""Canned responses synced from the servers (the cache's ``template`` table), read-only, for services.templates.

The agent's own templates live in the profile (store.profile_records); these come back with every sync.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, text

_COLUMNS = "id, account_id, external_id, name, body, shortcut, scope, intents, updated_at"


def synced_templates(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(text(f"SELECT {_COLUMNS} FROM template ORDER BY name COLLATE NOCASE, id")).all())


def synced_template(conn: Connection, template_id: int) -> Row[Any] | None:
    return conn.execute(text(f"SELECT {_COLUMNS} FROM template WHERE id = :id"), {"id": template_id}).first()

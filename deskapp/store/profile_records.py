"""Rows of the profile file (accounts, settings, templates, saved views, drafts, triage corrections) for the
services; each function runs on a connection from ``ProfileStore.read()`` or ``.write()``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from deskapp.domain import Account, AccountKind


def _now() -> int:
    return int(time.time())


# --- accounts ----------------------------------------------------------------------------------------


def _account(row: sqlite3.Row) -> Account:
    try:
        settings = json.loads(row["settings"] or "{}")
    except ValueError:
        settings = {}
    return Account(id=row["id"], kind=AccountKind(row["kind"]), name=row["name"], base_url=row["base_url"],
                   settings=settings if isinstance(settings, dict) else {})


def insert_account(conn: sqlite3.Connection, kind: AccountKind | str, name: str, base_url: str,
                   settings: dict[str, Any] | None = None, *, account_id: int | None = None,
                   created_at: int | None = None) -> int:
    """A new account; ``account_id`` only when carrying an existing one over (its keyring entries use it)."""
    at = _now() if created_at is None else created_at
    cur = conn.execute(
        "INSERT INTO account (id, kind, name, base_url, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (account_id, str(AccountKind(kind)), name, base_url, json.dumps(settings or {}), at, _now()))
    assert cur.lastrowid is not None  # set by every INSERT
    return cur.lastrowid


def update_account(conn: sqlite3.Connection, account_id: int, *, name: str | None = None,
                   base_url: str | None = None, settings: dict[str, Any] | None = None) -> bool:
    fields: dict[str, Any] = {}
    if name is not None:
        fields["name"] = name
    if base_url is not None:
        fields["base_url"] = base_url
    if settings is not None:
        fields["settings"] = json.dumps(settings)
    if not fields:
        return get_account(conn, account_id) is not None
    assignments = ", ".join(f"{key} = :{key}" for key in fields)
    return conn.execute(f"UPDATE account SET {assignments}, updated_at = :now WHERE id = :id",
                        {**fields, "now": _now(), "id": account_id}).rowcount == 1


def delete_account(conn: sqlite3.Connection, account_id: int) -> bool:
    """The account and its drafts (by cascade); its triage corrections stay for training."""
    return conn.execute("DELETE FROM account WHERE id = ?", (account_id,)).rowcount == 1


def get_account(conn: sqlite3.Connection, account_id: int) -> Account | None:
    row = conn.execute("SELECT * FROM account WHERE id = ?", (account_id,)).fetchone()
    return _account(row) if row else None


def list_accounts(conn: sqlite3.Connection) -> list[Account]:
    return [_account(r) for r in conn.execute("SELECT * FROM account ORDER BY id")]


def account_created_at(conn: sqlite3.Connection) -> dict[int, int]:
    return dict(conn.execute("SELECT id, created_at FROM account").fetchall())


# --- settings and the profile's own bookkeeping ------------------------------------------------------


def settings(conn: sqlite3.Connection, prefix: str = "") -> dict[str, str]:
    """Every setting, or those whose key starts with ``prefix``."""
    rows = conn.execute("SELECT key, value FROM setting WHERE substr(key, 1, ?) = ? ORDER BY key",
                        (len(prefix), prefix)).fetchall()
    return {key: value for key, value in rows}


def setting(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def put_setting(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    """Set a setting; None removes it."""
    if value is None:
        conn.execute("DELETE FROM setting WHERE key = ?", (key,))
    else:
        conn.execute("INSERT INTO setting (key, value) VALUES (?, ?)"
                     " ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


# Keys of the profile's own bookkeeping.
CARRIED_OVER = "carried_over"  # an older data folder's cache was copied in (store.profile_carry_over)
DEFAULTS_SEEDED = "templates.defaults_seeded"  # the shipped templates were added once
TRIAGE_RETRAINED = "triage.retrained"  # the agent retrained the model: a rebuilt cache retrains too


def meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def put_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, value))


# --- templates (the agent's own: the synced canned responses stay in the cache) ----------------------

TEMPLATE_COLUMNS = ("name", "body", "shortcut", "scope", "intents", "updated_at")


def templates(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM template ORDER BY name COLLATE NOCASE, id").fetchall()


def template(conn: sqlite3.Connection, template_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute("SELECT * FROM template WHERE id = ?", (template_id,)).fetchone()
    return row


def template_id_by(conn: sqlite3.Connection, *, origin: str | None = None,
                   name: str | None = None, scope: str | None = None) -> int | None:
    """The template carrying ``origin``, or else the one with this name and scope."""
    if origin is not None:
        row = conn.execute("SELECT id FROM template WHERE origin = ?", (origin,)).fetchone()
    else:
        row = conn.execute("SELECT id FROM template WHERE name = ? AND scope = ?", (name, scope)).fetchone()
    return row[0] if row else None


def insert_template(conn: sqlite3.Connection, *, name: str, body: str, shortcut: str = "", scope: str = "team",
                    intents: list[str] | tuple[str, ...] = (), origin: str | None = None,
                    template_id: int | None = None, updated_at: int | None = None) -> int:
    cur = conn.execute(
        "INSERT INTO template (id, origin, name, body, shortcut, scope, intents, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (template_id, origin, name, body, shortcut, scope, json.dumps(list(intents)),
         _now() if updated_at is None else updated_at))
    assert cur.lastrowid is not None  # set by every INSERT
    return cur.lastrowid


def update_template(conn: sqlite3.Connection, template_id: int, **fields: Any) -> bool:
    """Change some of name, body, shortcut, scope, intents (a list); False when there is no such template."""
    unknown = set(fields) - set(TEMPLATE_COLUMNS)
    if unknown:
        raise ValueError(f"not template columns: {sorted(unknown)}")
    if "intents" in fields:
        fields["intents"] = json.dumps(list(fields["intents"]))
    fields["updated_at"] = _now()
    assignments = ", ".join(f"{key} = :{key}" for key in fields)
    return conn.execute(f"UPDATE template SET {assignments} WHERE id = :id",
                        {**fields, "id": template_id}).rowcount == 1


def delete_template(conn: sqlite3.Connection, template_id: int) -> bool:
    return conn.execute("DELETE FROM template WHERE id = ?", (template_id,)).rowcount == 1


# --- saved views -------------------------------------------------------------------------------------


def saved_views(conn: sqlite3.Connection) -> list[tuple[str, dict[str, Any]]]:
    """(name, filter as JSON) in the order the agent made them."""
    out = []
    for name, raw in conn.execute("SELECT name, filter FROM saved_view ORDER BY position, name"):
        try:
            view_filter = json.loads(raw)
        except ValueError:
            view_filter = {}
        out.append((name, view_filter if isinstance(view_filter, dict) else {}))
    return out


def put_saved_view(conn: sqlite3.Connection, name: str, view_filter: dict[str, Any]) -> None:
    """Add a view at the end, or replace the filter of the one with this name (keeping its place)."""
    conn.execute(
        "INSERT INTO saved_view (name, filter, position)"
        " VALUES (?, ?, (SELECT coalesce(max(position), 0) + 1 FROM saved_view))"
        " ON CONFLICT(name) DO UPDATE SET filter = excluded.filter", (name, json.dumps(view_filter)))


def delete_saved_view(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("DELETE FROM saved_view WHERE name = ?", (name,)).rowcount == 1


# --- drafts ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredDraft:
    account_id: int
    conversation_external_id: str
    body: str
    is_note: bool
    updated_at: int


def draft(conn: sqlite3.Connection, account_id: int, conversation_external_id: str) -> StoredDraft | None:
    row = conn.execute("SELECT * FROM draft WHERE account_id = ? AND conversation_external_id = ?",
                       (account_id, conversation_external_id)).fetchone()
    return StoredDraft(row["account_id"], row["conversation_external_id"], row["body"], bool(row["is_note"]),
                       row["updated_at"]) if row else None


def draft_keys(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    return [(r[0], r[1]) for r in conn.execute("SELECT account_id, conversation_external_id FROM draft")]


def put_draft(conn: sqlite3.Connection, account_id: int, conversation_external_id: str, body: str, *,
              is_note: bool, updated_at: int | None = None) -> None:
    conn.execute(
        "INSERT INTO draft (account_id, conversation_external_id, body, is_note, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(account_id, conversation_external_id) DO UPDATE SET body = excluded.body,"
        " is_note = excluded.is_note, updated_at = excluded.updated_at",
        (account_id, conversation_external_id, body, int(is_note), _now() if updated_at is None else updated_at))


def delete_draft(conn: sqlite3.Connection, account_id: int, conversation_external_id: str) -> bool:
    return conn.execute("DELETE FROM draft WHERE account_id = ? AND conversation_external_id = ?",
                        (account_id, conversation_external_id)).rowcount == 1


# --- triage corrections ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Correction:
    """An agent's label for a conversation (and the message it judged), keyed by external ids."""

    account_id: int | None
    conversation_external_id: str | None
    message_external_id: str | None
    field: str  # intent | urgency | sentiment
    old_value: str | None
    new_value: str
    text: str
    at: int
    locks: bool = True  # the label stays on the conversation against sync (until the agent unlocks it)


def add_correction(conn: sqlite3.Connection, c: Correction) -> None:
    conn.execute(
        "INSERT INTO triage_correction (account_id, conversation_external_id, message_external_id, field,"
        " old_value, new_value, text, at, locks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (c.account_id, c.conversation_external_id, c.message_external_id, c.field, c.old_value, c.new_value,
         c.text, c.at, int(c.locks)))


def _correction(row: sqlite3.Row) -> Correction:
    return Correction(row["account_id"], row["conversation_external_id"], row["message_external_id"],
                      row["field"], row["old_value"], row["new_value"], row["text"], row["at"], bool(row["locks"]))


def corrections(conn: sqlite3.Connection, *, account_id: int | None = None, locking: bool = False) -> list[Correction]:
    """Oldest first (a later correction of the same label wins when they are replayed in order);
    ``locking``: only those still holding their label against sync."""
    where, params = [], []
    if account_id is not None:
        where.append("account_id = ?")
        params.append(account_id)
    if locking:
        where.append("locks = 1")
    sql = "SELECT * FROM triage_correction" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    return [_correction(r) for r in conn.execute(sql, params)]


def release_corrections(conn: sqlite3.Connection, account_id: int, conversation_external_id: str) -> int:
    """The agent unlocked the conversation: its corrections stop holding labels (they still teach the model)."""
    return conn.execute("UPDATE triage_correction SET locks = 0 WHERE account_id = ? AND conversation_external_id = ?",
                        (account_id, conversation_external_id)).rowcount

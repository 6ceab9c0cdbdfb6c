"""The numbered migrations of the profile file, for store.profile: step n takes a file from version n-1 to n.

Each step is frozen once released (a new need is a new step, never an edit), and runs in one
transaction together with the ``PRAGMA user_version`` it brings the file to.
"""

from __future__ import annotations

# Version 1: everything only the agent wrote. Rows refer to synced things by (account, external id),
# never by cache row ids, so they survive the cache being rebuilt from the servers.
_V1 = """
CREATE TABLE account (
    -- AUTOINCREMENT: an id is never reused, as the keyring and the outbox key their entries by it
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    base_url TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- The profile's own bookkeeping (carry-over done, defaults seeded), kept out of the agent's settings.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE template (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT UNIQUE,  -- 'default:<n>' (shipped), 'chatwoot:<account>:<id>' (imported copy); NULL: typed in
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    shortcut TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT 'team',
    intents TEXT NOT NULL DEFAULT '[]',
    updated_at INTEGER NOT NULL
);
CREATE TABLE saved_view (
    name TEXT PRIMARY KEY,
    filter TEXT NOT NULL DEFAULT '{}',
    position INTEGER NOT NULL
);
CREATE TABLE draft (
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    conversation_external_id TEXT NOT NULL,
    body TEXT NOT NULL,
    is_note INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, conversation_external_id)
);
-- Corrections outlive their account: the text and the agent's label still teach the model.
CREATE TABLE triage_correction (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER REFERENCES account (id) ON DELETE SET NULL,
    conversation_external_id TEXT,
    message_external_id TEXT,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL,
    locks INTEGER NOT NULL DEFAULT 1  -- keeps the label on the conversation against sync until unlocked
);
CREATE INDEX ix_correction_conversation ON triage_correction (account_id, conversation_external_id);
"""

MIGRATIONS: tuple[str, ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)

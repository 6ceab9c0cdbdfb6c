"""Test helpers for the offline suites: a cache seeded with one account, agents and conversations."""

from __future__ import annotations

import time

from sqlalchemy import text

from deskapp.store import profile_records
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore


def seed_cache(db: Database, *, conversations: int = 3, account_kind: str = "chatwoot",
               profile: ProfileStore | None = None) -> dict:
    """One account (id 1; also in ``profile`` when given), two agents (me = 'a1'), one team, ``conversations``
    open conversations '101'..."""
    now = int(time.time())
    account_id = None
    if profile is not None:
        with profile.write() as pconn:
            account_id = profile_records.insert_account(pconn, account_kind, "Test", "http://127.0.0.1")
    with db.write() as conn:
        account_id = conn.execute(text(
            "INSERT INTO account (id, kind, name, base_url, created_at)"
            " VALUES (:id, :k, 'Test', 'http://127.0.0.1', :t) RETURNING id"),
            {"id": account_id, "k": account_kind, "t": now}).scalar()
        agents = {}
        for ext, name, me in (("a1", "Me Agent", 1), ("a2", "Other Agent", 0)):
            agents[ext] = conn.execute(text(
                "INSERT INTO agent (account_id, external_id, name, is_me) VALUES (:a, :e, :n, :m) RETURNING id"),
                {"a": account_id, "e": ext, "n": name, "m": me}).scalar()
        team_id = conn.execute(text(
            "INSERT INTO team (account_id, external_id, name) VALUES (:a, 't1', 'Support') RETURNING id"),
            {"a": account_id}).scalar()
        ids = []
        for i in range(conversations):
            ids.append(conn.execute(text(
                "INSERT INTO conversation (account_id, external_id, channel, status, created_at, updated_at)"
                " VALUES (:a, :e, 'web_chat', 'open', :t, :t) RETURNING id"),
                {"a": account_id, "e": str(101 + i), "t": now}).scalar())
    return {"account_id": account_id, "agents": agents, "team_id": team_id, "conversations": ids}


def conversation_state(db: Database, conversation_id: int) -> dict:
    with db.read() as conn:
        row = conn.execute(text(
            "SELECT status, priority, labels, assignee_id, team_id, snoozed_until FROM conversation WHERE id=:id"),
            {"id": conversation_id}).mappings().one()
        messages = conn.execute(text(
            "SELECT external_id, direction, text, delivery, client_id FROM message WHERE conversation_id=:id"
            " ORDER BY id"), {"id": conversation_id}).mappings().all()
    return {**dict(row), "messages": [dict(m) for m in messages]}

"""Tiny caches for KPI tests, written with plain INSERTs (no ingest code in the way)."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection


def local(ts: str, tz: str = "Europe/Paris") -> int:
    """Unix seconds of a local wall-clock time 'YYYY-MM-DD HH:MM' in ``tz``."""
    return int(datetime.fromisoformat(ts).replace(tzinfo=ZoneInfo(tz)).timestamp())


class CacheBuilder:
    def __init__(self, conn: Connection, account_id: int = 1) -> None:
        self.conn = conn
        self.account_id = account_id
        self._seq = itertools.count(1)
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO account (id, kind, name, created_at) VALUES (?, 'demo', 'demo', 0)", (account_id,))

    def _x(self, sql: str, params: tuple) -> int:
        return self.conn.exec_driver_sql(sql, params).lastrowid

    def agent(self, name: str, *, role: str = "agent", is_me: bool = False, email: str = "") -> int:
        return self._x("INSERT INTO agent (account_id, external_id, name, email, role, is_me) VALUES (?,?,?,?,?,?)",
                       (self.account_id, f"a-{name}", name, email or f"{name.lower()}@shop.test", role, int(is_me)))

    def team(self, name: str) -> int:
        return self._x("INSERT INTO team (account_id, external_id, name) VALUES (?,?,?)",
                       (self.account_id, f"t-{name}", name))

    def customer(self, name: str = "") -> int:
        return self._x("INSERT INTO customer (name) VALUES (?)", (name,))

    def conversation(self, *, created: int, channel: str = "email", status: str = "open", assignee: int | None = None,
                     team: int | None = None, resolved: int | None = None, customer: int | None = None,
                     intent: str | None = None, labels: str = "[]") -> int:
        n = next(self._seq)
        cid = self._x(
            "INSERT INTO conversation (account_id, external_id, customer_id, channel, status, assignee_id, team_id,"
            " labels, intent, created_at, updated_at, resolved_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (self.account_id, f"c{n}", customer, channel, status, assignee, team, labels, intent, created,
             created, resolved))
        for label in json.loads(labels):
            self.conn.exec_driver_sql("INSERT INTO conversation_label (conversation_id, label) VALUES (?, ?)",
                                      (cid, label))
        return cid

    def message(self, conversation: int, direction: str, at: int, *, author: str | None = None,
                automated: bool = False, delivery: str = "sent") -> int:
        n = next(self._seq)
        return self._x(
            "INSERT INTO message (account_id, external_id, conversation_id, direction, author_external_id, sent_at,"
            " automated, delivery) VALUES (?,?,?,?,?,?,?,?)",
            (self.account_id, f"m{n}", conversation, direction, f"a-{author}" if author else None, at,
             int(automated), delivery if direction != "in" else "received"))

    def event(self, conversation: int, kind: str, at: int, value: str | None = None) -> int:
        return self._x("INSERT INTO conversation_event (conversation_id, kind, at, value) VALUES (?,?,?,?)",
                       (conversation, kind, at, value))

    def survey(self, kind: str, score: int, at: int, conversation: int | None = None) -> int:
        n = next(self._seq)
        return self._x(
            "INSERT INTO survey_response (account_id, external_id, kind, score, conversation_id, at)"
            " VALUES (?,?,?,?,?,?)", (self.account_id, f"s{n}", kind, score, conversation, at))

    def order(self, placed: int, customer: int | None = None) -> int:
        n = next(self._seq)
        return self._x(
            'INSERT INTO "order" (account_id, external_id, customer_id, number, placed_at, updated_at)'
            " VALUES (?,?,?,?,?,?)", (self.account_id, f"o{n}", customer, f"#{n}", placed, placed))

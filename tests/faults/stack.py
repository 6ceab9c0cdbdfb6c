"""The real offline stack for fault tests: a migrated cache + outbox in a temp folder, a Chatwoot account
in the real keyring pointing at the demo server, the sync engine with the replayer wired by bootstrap.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import requests
from sqlalchemy import text

from deskapp.bootstrap import build_sync_engine
from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.http import HttpClient
from deskapp.domain import AccountKind
from deskapp.paths import AppPaths
from deskapp.services.accounts import add_account
from deskapp.services.actions import ActionService, close_outbox, outbox_for
from deskapp.services.profile_secrets import secret_store
from deskapp.store import migrate
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore

FAST_HTTP = {"timeout": (1.0, 1.0), "max_attempts": 3, "backoff_cap": 0.05, "backoff_base": 0.01}


def fast_http(base_url: str, token: str, **overrides) -> HttpClient:
    return HttpClient(base_url, {"api_access_token": token, "Accept": "application/json"},
                      **{**FAST_HTTP, **overrides})


class Stack:
    """One agent's deskapp (no Qt) against one demo server."""

    def __init__(self, folder: Path, info: dict, *, rate: float = 1000.0, burst: int = 1000,
                 http: dict | None = None, hold_s: float = 0.0) -> None:
        self.folder, self.info = folder, info
        self.http_options = {**FAST_HTTP, **(http or {})}
        self.replay_options = {"rate": rate, "burst": burst, "hold_s": hold_s}
        self.open()
        self.account_id = add_account(self.ws, AccountKind.CHATWOOT, "Demo hub", info["url"],
                                      info["chatwoot_token"], {"account_id": info["chatwoot_account_id"]})

    def connector_factory(self, account, secrets):
        token = secrets.get(account.id)
        return ChatwootConnector(account.base_url, account.settings.get("account_id", 1), token,
                                 http=fast_http(account.base_url, token, **self.http_options))

    def registry(self) -> dict:
        return {AccountKind.CHATWOOT: self.connector_factory}

    def open(self) -> None:
        paths = AppPaths(self.folder).ensure()
        db = Database(paths.cache_db)
        migrate.upgrade(db)
        profile = ProfileStore(paths.profile_db)
        self.ws = SimpleNamespace(paths=paths, db=db, secrets=secret_store(profile), profile=profile)
        self.actions = ActionService(db, outbox_for(self.ws), self.ws.profile, undoable=False)
        self.actions.restore()
        self.engine = build_sync_engine(self.ws, registry=self.registry(),
                                        replay_options=self.replay_options)
        self.replayer = self.engine.before_pull[0]

    def close(self) -> None:
        self.engine.stop(5)
        close_outbox(self.ws)
        self.ws.db.close()
        self.ws.profile.close()

    def restart(self) -> None:
        self.close()
        self.open()

    @property
    def db(self) -> Database:
        return self.ws.db

    @property
    def outbox(self):
        return self.actions.outbox

    def sync(self):
        return self.engine.sync_account_once(self.account_id)

    def connector(self):
        from deskapp.store import accounts as account_store
        with self.db.read() as conn:
            return self.engine._connector(account_store.get_account(conn, self.account_id))

    def replay(self, *, hook: bool = False):
        """One replay round as the engine's before_pull hook runs it (hook=True: raises like the hook)."""
        if hook:
            return self.replayer(self.account_id, self.connector())
        return self.replayer.replay_account(self.account_id, self.connector())

    def mirror(self, server, n: int) -> list[int]:
        """Put the server's first ``n`` open conversations (and its agents) in the cache without a full
        pull (the demo world has 2,000 conversations); returns their local ids."""
        if sum(c.status == "open" for c in server.state.conversations) < n:
            customers_write_back(server, n)
        convs = [c for c in server.state.conversations if c.status == "open"][:n]
        now = int(time.time())
        with self.db.write() as conn:
            for agent in server.state.world.agents:
                conn.execute(text(
                    "INSERT OR IGNORE INTO agent (account_id, external_id, name, is_me) VALUES (:a, :e, :n, :m)"),
                    {"a": self.account_id, "e": str(agent["id"]), "n": agent["name"],
                     "m": int(agent["id"] == server.state.me_id)})
            for c in convs:
                conn.execute(text(
                    "INSERT OR IGNORE INTO conversation (account_id, external_id, channel, status, priority,"
                    " labels, created_at, updated_at) VALUES (:a, :e, 'web_chat', :s, :p, :l, :t, :t)"),
                    {"a": self.account_id, "e": str(c.id), "s": c.status, "p": c.priority or "none",
                     "l": json.dumps(sorted(c.labels)), "t": now})
        return [self.local_id(c.id) for c in convs]

    def local_id(self, external_id: str | int) -> int:
        with self.db.read() as conn:
            return conn.execute(text("SELECT id FROM conversation WHERE account_id=:a AND external_id=:e"),
                                {"a": self.account_id, "e": str(external_id)}).scalar_one()

    def conversation(self, external_id: str | int) -> dict:
        with self.db.read() as conn:
            row = conn.execute(text(
                "SELECT id, status, priority, labels FROM conversation WHERE account_id=:a AND external_id=:e"),
                {"a": self.account_id, "e": str(external_id)}).mappings().one()
            messages = conn.execute(text(
                "SELECT external_id, direction, text, delivery, client_id FROM message WHERE conversation_id=:c"
                " ORDER BY sent_at, id"), {"c": row["id"]}).mappings().all()
        return {"status": row["status"], "priority": row["priority"], "labels": sorted(json.loads(row["labels"])),
                "messages": [dict(m) for m in messages]}

    def open_count(self) -> int:
        return len(self.outbox.open_items())

    def drain(self, timeout: float = 60.0, *, sync: bool = False) -> None:
        """Replay (or full sync passes) until nothing is left to send (or raise)."""
        deadline = time.monotonic() + timeout
        while self.open_count():
            if time.monotonic() > deadline:
                raise AssertionError(f"outbox not drained: {self.outbox.counts()}")
            if sync:
                self.sync()
            else:
                report = self.replay()
                if report.stopped == "offline":
                    time.sleep(0.05)


def api(info: dict, method: str, path: str, **kw):
    """A direct call to the demo server's Chatwoot API (as another agent when ``token`` is given)."""
    token = kw.pop("token", info["chatwoot_token"])
    response = requests.request(method, f"{info['url']}/api/v1/accounts/{info['chatwoot_account_id']}{path}",
                                headers={"api_access_token": token}, timeout=10, **kw)
    return response


def set_faults(info: dict, **faults) -> None:
    requests.post(f"{info['url']}/demo/faults", json=faults, timeout=10).raise_for_status()


def server_markers(server) -> dict[str, int]:
    """client_id -> how many messages carrying it the server stored."""
    counts: dict[str, int] = {}
    for message in server.state.received_messages:
        marker = (message.get("content_attributes") or {}).get("deskapp_client_id")
        if marker:
            counts[marker] = counts.get(marker, 0) + 1
    return counts


def customers_write_back(server, conversations: int) -> None:
    """The customers of the hub's first ``conversations`` write again, which reopens the settled ones (the demo
    world, like a real desk, has most of its history resolved and only the newest few open)."""
    from deskapp.demo.state import INCOMING

    state = server.state
    for conv in state.conversations[:conversations]:
        if conv.status != "open":
            state.add_message(conv, content="Any news on this?", message_type=INCOMING, sender_type="contact",
                              sender_id=conv.contact_id)

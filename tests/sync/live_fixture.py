"""Shared parts of the live-channel tests and benchmarks: a demo hub account in a cache, the engine with the real
connector, the hub's sockets (services.hub_live) and helpers that post as a customer and wait for the cache."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.http import HttpClient
from deskapp.credentials import SecretStore
from deskapp.demo.chatwoot_json import contact_source
from deskapp.demo.chatwoot_live import inbox_identifier
from deskapp.demo.server import DemoServer
from deskapp.domain import AccountKind
from deskapp.services.hub_live import HubLive
from deskapp.store import accounts as account_store
from deskapp.store import migrate
from deskapp.store.engine import Database
from deskapp.sync.engine import SyncEngine
from tests.demo.conftest import PINNED_NOW

NO_SECRETS = SecretStore("live-tests")  # connectors get their tokens directly: the keyring is not read


def registry(token: str, counter: list[int] | None = None) -> dict:
    def chatwoot(account, _secrets):
        http = HttpClient(account.base_url, {"api_access_token": token}, timeout=(2, 10), max_attempts=2,
                          backoff_cap=0.05, backoff_base=0.01, max_wait=0.05)
        return ChatwootConnector(account.base_url, account.settings["account_id"], token, http=http)

    return {AccountKind.CHATWOOT: chatwoot}


def new_cache(path: Path, info: dict[str, Any]) -> tuple[Database, int]:
    db = Database(path)
    migrate.upgrade(db)
    with db.write() as conn:
        account_id = account_store.insert_account(conn, "chatwoot", "demo hub", info["url"],
                                                  {"account_id": info["chatwoot_account_id"]})
    return db, account_id


def synced_copy(template: Path, target: Path) -> Database:
    """A cache already synced once (copied from `template`): every client need not pull the whole hub."""
    shutil.copyfile(template, target)
    return Database(target)


def synced_hub(template: Path, seed: int) -> Iterator[tuple[DemoServer, dict[str, Any], Path, int]]:
    """For a module fixture: a demo hub (pinned clock, no traffic of its own) and a cache at ``template`` synced
    with it once, to copy per test; the hub stops when the generator is closed."""
    server = DemoServer(seed=seed, live=False, now=PINNED_NOW)
    info = server.start()
    db, account_id = new_cache(template, info)
    engine, live = start_live(db, account_id, info, start_engine=False)
    live.stop()
    assert engine.sync_account_once(account_id).errors == []
    db.close()
    try:
        yield server, info, template, account_id
    finally:
        server.stop()


def start_live(db: Database, account_id: int, info: dict[str, Any], *, interval: float = 3600.0,
               safety_interval: float = 3600.0, token: str | None = None, start_engine: bool = True,
               **client_kw: Any) -> tuple[SyncEngine, HubLive]:
    token = token or info["chatwoot_token"]
    engine = SyncEngine(db, NO_SECRETS, registry=registry(token), interval=interval,
                        safety_interval=safety_interval)
    if start_engine:
        engine.start()
    live = HubLive(engine)
    http = HttpClient(info["url"], {"api_access_token": token}, timeout=(2, 5), max_attempts=1)
    client_kw.setdefault("base_delay", 0.05)
    client_kw.setdefault("max_delay", 0.5)
    live.add(account_id, info["url"].replace("http://", "ws://") + "/cable", str(info["chatwoot_account_id"]),
             lambda: http.json("GET", "/api/v1/profile"), **client_kw)
    return engine, live


def customer_writes(server: DemoServer, conv_id: int, text: str) -> int:
    """A customer's message over Chatwoot's public client API; returns the message id."""
    state = server.state
    with state.lock:
        conv = state.conversation(conv_id)
        path = (f"/public/api/v1/inboxes/{inbox_identifier(conv.inbox_id)}/contacts/"
                f"{contact_source(state, conv)}/conversations/{conv_id}/messages")
    answer = requests.post(server.url + path, json={"content": text}, timeout=10)
    answer.raise_for_status()
    return int(answer.json()["id"])


def message_rows(db: Database, account_id: int, message_id: int) -> int:
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM message WHERE account_id = ? AND external_id = ?",
                                    (account_id, str(message_id))).scalar_one()


def wait_for(check: Callable[[], Any], timeout: float = 20.0, step: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s: {check}")

"""Shared by the automation service and Rules screen tests: the small demo world synced once into a cache of its
own, and an AutomationService whose hub calls go to that demo hub as one of its agents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.chatwoot_automation import ChatwootAutomation
from deskapp.connectors.http import HttpClient
from deskapp.credentials import SecretStore
from deskapp.demo.server import DemoServer
from deskapp.domain import AccountKind
from deskapp.services.automation import AutomationService
from deskapp.store import accounts as account_store
from deskapp.store import migrate
from deskapp.store.engine import Database
from deskapp.sync.engine import SyncEngine
from tests.demo.conftest import PINNED_NOW


def synced_world(folder: Path) -> Iterator[tuple[DemoServer, Database, int]]:
    """For a module fixture: (hub, cache, account id); the tests only read the cache, or write rules."""
    server = DemoServer(seed=11, scale="small", live=False, now=PINNED_NOW)
    info = server.start()
    db = Database(folder / "cache.sqlite3")
    migrate.upgrade(db)
    with db.write() as conn:
        account_id = account_store.insert_account(conn, "chatwoot", "hub", info["url"],
                                                  {"account_id": info["chatwoot_account_id"]})

    def chatwoot(account, _secrets):
        return ChatwootConnector(account.base_url, account.settings["account_id"], info["chatwoot_token"])

    SyncEngine(db, SecretStore("rules-tests"), registry={AccountKind.CHATWOOT: chatwoot}).sync_account_once(account_id)
    try:
        yield server, db, account_id
    finally:
        db.close()
        server.stop()


def automation_service(server: DemoServer, db: Database, agent: int = 1) -> AutomationService:
    """The service, talking to the demo hub with demo agent ``agent``'s token (1 is an administrator)."""
    def hub(_account_id: int) -> ChatwootAutomation:
        http = HttpClient(server.url, {"api_access_token": f"cw-demo-token-{agent}"}, sleep=lambda s: None)
        return ChatwootAutomation(http, server.state.account_id)
    return AutomationService(db, hub=hub)

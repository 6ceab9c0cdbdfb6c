"""The hub's push channel for the running app: one ActionCable socket per Chatwoot account. An event that says
data changed asks the sync engine for a pass over the streams it concerns (the same pull and ingest as polling,
so nothing is written by a second path); every (re)connect asks for a full catch-up pass; while a socket is
down the engine polls at its usual interval, while it is up only at its slow safety interval. Every event is
also told to services.live_events' subscribers (with the workspace's cache as its source).

The UI (or the CLI's long-running `sync`) calls ``start_hub_live(ws, engine)`` after ``engine.start()`` and
``stop()`` on the result when it shuts the engine down.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from deskapp.connectors.base import AuthError
from deskapp.connectors.chatwoot_cable import CableClient, cable_url
from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind
from deskapp.services import live_events
from deskapp.store import accounts as account_store
from deskapp.store.engine import Database
from deskapp.sync import registry

log = logging.getLogger(__name__)

# which streams each hub event asks to pull again (events not named here change nothing the cache holds)
STREAMS_OF_EVENT: dict[str, tuple[str, ...]] = {
    "message.created": ("conversations",), "message.updated": ("conversations",),
    "conversation.created": ("conversations",), "conversation.updated": ("conversations",),
    "conversation.status_changed": ("conversations",), "conversation.read": ("conversations",),
    "conversation.opened": ("conversations",), "conversation.resolved": ("conversations",),
    "conversation.contact_changed": ("conversations",), "assignee.changed": ("conversations",),
    "team.changed": ("conversations",), "contact.created": ("contacts",), "contact.updated": ("contacts",),
    "contact.merged": ("contacts", "conversations"), "contact.deleted": ("contacts",),
}


class _Workspace(Protocol):
    db: Database
    secrets: SecretStore


class _Engine(Protocol):
    def request_sync(self, account_id: int | None = None) -> None: ...
    def request_streams(self, account_id: int, streams: Iterable[str]) -> None: ...
    def set_live(self, account_id: int, live: bool) -> None: ...


class HubLive:
    """The running sockets; ``stop()`` ends them all (the engine goes back to polling them)."""

    def __init__(self, engine: _Engine, *, source: object | None = None) -> None:
        self.engine = engine
        self.source = source  # what live_events' subscribers tell this workspace's events by
        self.clients: dict[int, CableClient] = {}

    def add(self, account_id: int, url: str, hub_account: str, profile: Any, **kw: Any) -> CableClient:
        def on_event(name: str, data: Any) -> None:
            streams = STREAMS_OF_EVENT.get(name)
            if streams:
                self.engine.request_streams(account_id, streams)
            live_events.publish(account_id, name, data, source=self.source)

        def on_state(live: bool, why: str) -> None:
            self.engine.set_live(account_id, live)
            if live:  # whatever happened while the socket was down (or before it first came up)
                self.engine.request_sync(account_id)
            live_events.publish(account_id, live_events.CABLE_STATE, {"live": live, "reason": why},
                                source=self.source)

        client = CableClient(url, hub_account, profile, on_event=on_event, on_state=on_state, **kw)
        self.clients[account_id] = client.start()
        return client

    def is_live(self, account_id: int) -> bool:
        client = self.clients.get(account_id)
        return client is not None and client.live

    def stop(self) -> None:
        for account_id, client in self.clients.items():
            client.stop()
            self.engine.set_live(account_id, False)
        self.clients.clear()


def start_hub_live(ws: _Workspace, engine: _Engine, **client_kw: Any) -> HubLive:
    """A socket for every Chatwoot account (client_kw: CableClient's backoff and watchdog settings)."""
    with ws.db.read() as conn:
        hubs = [a for a in account_store.list_accounts(conn) if a.kind == AccountKind.CHATWOOT]
    live = HubLive(engine, source=ws.db)
    for account in hubs:
        try:
            connector = registry.create(account, ws.secrets)
            url = cable_url(account.base_url)
        except (AuthError, ValueError) as exc:  # settings need fixing: the sync pass reports it; this one polls
            log.warning("no live channel for account %s: %s", account.id, exc)
            continue
        http = connector.http  # type: ignore[attr-defined]
        live.add(account.id, url, str(account.settings.get("account_id", 1)),
                 lambda http=http: http.json("GET", "/api/v1/profile"), **client_kw)
    return live

"""Best-effort calls to a Chatwoot account outside the sync: they reach the demo hub over loopback, and are
skipped or reported as None (logged) when the account is not a reachable Chatwoot account or the call fails."""

from __future__ import annotations

import logging

from deskapp.connectors import chatwoot_live
from deskapp.connectors.base import TransientError
from deskapp.credentials import SecretStore
from deskapp.domain import Connectivity
from deskapp.services.hub_link import HubLink
from deskapp.store import accounts as account_store
from tests.services import hub_fixture

hub, hub_ws = hub_fixture.hub, hub_fixture.hub_ws  # the fixtures


def _set_state(hub, state: Connectivity) -> None:
    with hub.ws.db.write() as conn:
        account_store.set_state(conn, hub.account_id, state)


def test_a_call_reaches_the_hub_with_the_accounts_connection(hub):
    asked = []

    def secrets() -> SecretStore:  # asked for lazily, once, when the first call needs a connection
        asked.append(1)
        return hub.ws.secrets

    link = HubLink(hub.ws.db, secrets)
    availability = link.call(hub.account_id, lambda http, prefix, _h: chatwoot_live.agent_availability(http, prefix),
                             "reading availability")
    assert availability is not None and set(availability.values()) <= set(chatwoot_live.AVAILABILITIES)
    assert len(availability) == len(hub.state.world.agents)
    hub_ids = link.call(hub.account_id, lambda http, prefix, hub_id: (prefix, hub_id), "naming")
    assert hub_ids == (f"/api/v1/accounts/{hub.state.account_id}", hub.state.account_id)
    assert asked == [1]  # the connection is kept for the next calls


def test_offline_or_auth_needed_accounts_are_skipped_without_a_call(hub):
    link = HubLink(hub.ws.db, hub.ws.secrets)
    called = []
    for state in (Connectivity.OFFLINE, Connectivity.AUTH_NEEDED):
        _set_state(hub, state)
        assert link.call(hub.account_id, lambda *a: called.append(a), "typing") is None
    assert called == []
    _set_state(hub, Connectivity.DEGRADED)  # degraded still tries
    assert link.call(hub.account_id, lambda http, prefix, hub_id: "went", "typing") == "went"


def test_unknown_and_non_chatwoot_accounts_give_none(hub):
    with hub.ws.db.write() as conn:
        shop = account_store.insert_account(conn, "shopify", "shop", "https://shop.example.com")
    link = HubLink(hub.ws.db, hub.ws.secrets)
    assert link.call(999_999, lambda *a: "never", "typing") is None
    assert link.call(shop, lambda *a: "never", "typing") is None


def test_a_failed_or_refused_call_is_logged_and_none(hub, caplog):
    link = HubLink(hub.ws.db, hub.ws.secrets)
    caplog.set_level(logging.INFO, logger="deskapp.services.hub_link")

    def hub_down(*_a):
        raise TransientError("connection refused")

    assert link.call(hub.account_id, hub_down, "typing status") is None
    assert "typing status on account" in caplog.text and "connection refused" in caplog.text
    # a bad value is refused by the connector before any request: logged, not raised
    assert link.call(hub.account_id, lambda http, _p, hub_id: chatwoot_live.set_my_availability(
        http, hub_id, "away"), "availability") is None
    assert "availability is one of" in caplog.text
    # the hub's own refusal: an unknown conversation
    assert link.call(hub.account_id, lambda http, prefix, _h: chatwoot_live.toggle_typing(
        http, prefix, "999999", True), "typing") is None
    assert "HTTP 404" in caplog.text

"""The demo workspace: a real in-process demo backend plus two accounts with tokens in the keyring."""

from __future__ import annotations

import pytest
import requests

from deskapp.services import accounts, demo_workspace


@pytest.fixture
def ws_plain(data_dir, db, profile):
    from deskapp.bootstrap import Workspace
    from deskapp.paths import resolve_paths
    from deskapp.services.profile_secrets import secret_store

    return Workspace(paths=resolve_paths(data_dir).ensure(), db=db, secrets=secret_store(profile), profile=profile)


def test_demo_registers_accounts_once_and_follows_the_server(ws_plain):
    ws = ws_plain
    assert not accounts.has_accounts(ws)
    first = demo_workspace.start_demo(ws, live=False)
    try:
        listed = {str(a.kind): a for a in accounts.list_accounts(ws)}
        assert set(listed) == {"chatwoot", "shopify"}
        assert listed["chatwoot"].base_url == first.info["url"].rstrip("/")
        assert listed["chatwoot"].settings["account_id"] == first.info["chatwoot_account_id"]
        assert ws.secrets.get(first.chatwoot_account_id) == first.info["chatwoot_token"]
        ok, message = accounts.test_account(ws, first.chatwoot_account_id)
        assert ok, message
    finally:
        first.stop()
    second = demo_workspace.start_demo(ws, live=False)
    try:
        assert (second.chatwoot_account_id, second.shopify_account_id) == (first.chatwoot_account_id,
                                                                           first.shopify_account_id)
        assert len(accounts.list_accounts(ws)) == 2
        assert accounts.get_account(ws, second.chatwoot_account_id).base_url == second.info["url"].rstrip("/")
        assert requests.get(second.info["url"] + "/demo/faults", timeout=5).status_code == 200
    finally:
        second.stop()


def test_update_account_checks_the_url_and_replaces_the_secret(ws_plain):
    ws = ws_plain
    account_id = accounts.add_account(ws, "chatwoot", "Hub", "http://127.0.0.1:9", "tok-1", {"account_id": 1})
    accounts.update_account(ws, account_id, name="Hub 2", base_url="https://hub.example.com/",
                            settings={"account_id": 7}, secret="tok-2")
    a = accounts.get_account(ws, account_id)
    assert (a.name, a.base_url, a.settings) == ("Hub 2", "https://hub.example.com", {"account_id": 7})
    assert ws.secrets.get(account_id) == "tok-2"
    try:
        accounts.update_account(ws, account_id, base_url="ftp://nope")
    except accounts.AccountError as exc:
        assert "http" in str(exc)
    else:
        raise AssertionError("a bad URL was accepted")


def test_switching_the_demo_role_signs_in_as_the_supervisor_and_back(ws_plain):
    import time

    from deskapp.bootstrap import build_sync_engine
    from deskapp.services.reports import ReportService
    from tests.demo.conftest import PINNED_NOW
    from tests.faults.conftest import trim_world

    ws = ws_plain
    demo = demo_workspace.start_demo(ws, live=False, now=PINNED_NOW)
    trim_world(demo.server, 30)
    engine = build_sync_engine(ws, replay=False)
    reports = ReportService(ws.db)

    def signed_in_as(email: str) -> None:
        deadline = time.monotonic() + 30
        while [a.email for a in reports.me()] != [email]:  # exactly one signed-in user, the new one
            assert time.monotonic() < deadline, [a.email for a in reports.me()]
            time.sleep(0.05)

    try:
        assert demo.role == "agent" and ws.secrets.get(demo.chatwoot_account_id) == demo.info["chatwoot_token"]
        engine.sync_account_once(demo.chatwoot_account_id)
        signed_in_as("alex@shop.example.com")
        assert not reports.signed_in().supervisor

        demo_workspace.switch_demo_role(ws, demo, "supervisor", engine=engine)  # the engine's next pass
        assert ws.secrets.get(demo.chatwoot_account_id) == demo.info["supervisor_token"]
        assert accounts.get_account(ws, demo.chatwoot_account_id).settings["demo_role"] == "supervisor"
        signed_in_as("sam@shop.example.com")
        assert reports.signed_in().supervisor

        with pytest.raises(ValueError, match="unknown demo role"):
            demo_workspace.switch_demo_role(ws, demo, "owner", engine=engine)
        assert ws.secrets.get(demo.chatwoot_account_id) == demo.info["supervisor_token"]

        demo_workspace.switch_demo_role(ws, demo, "agent", engine=engine)
        signed_in_as("alex@shop.example.com")
        assert not reports.signed_in().supervisor and demo.role == "agent"
    finally:
        engine.stop()
        demo.stop()


def test_without_a_keyring_the_demo_keeps_its_tokens_in_memory_and_says_so(ws_plain):
    import keyring
    from keyring.backends import fail

    from deskapp.credentials import CredentialError, SessionSecretStore
    from deskapp.services.profile_secrets import secret_store

    ws = ws_plain
    ws.notice = None
    usual = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(CredentialError):  # what a real account meets on such a machine
            accounts.add_account(ws, "chatwoot", "Hub", "http://127.0.0.1:9", "tok", {"account_id": 1})
        assert not accounts.has_accounts(ws)
        demo = demo_workspace.start_demo(ws, live=False)
        try:
            assert isinstance(ws.secrets, SessionSecretStore)
            assert ws.secrets.get(demo.chatwoot_account_id) == demo.info["chatwoot_token"]
            ok, message = accounts.test_account(ws, demo.chatwoot_account_id)
            assert ok, message
            assert "No OS keyring" in ws.notice and "memory" in ws.notice
        finally:
            demo.stop()
    finally:
        keyring.set_keyring(usual)
    assert secret_store(ws.profile).get(demo.chatwoot_account_id) is None  # nothing reached the real keyring


def test_a_demo_outage_stops_one_service_and_its_end_syncs_both_accounts(ws_plain):

    from tests.demo.conftest import PINNED_NOW

    class Engine:
        def __init__(self) -> None:
            self.asked: list[int] = []

        def request_sync(self, account_id: int) -> None:
            self.asked.append(account_id)

    demo = demo_workspace.start_demo(ws_plain, live=False, now=PINNED_NOW)
    engine = Engine()
    base = demo.info["url"]
    hub = f"{base}/api/v1/accounts/{demo.info['chatwoot_account_id']}/conversations"
    shop = f"{base}/admin/api/2025-01/graphql.json"
    try:
        demo_workspace.set_demo_outage(demo, "shopify", engine=engine)
        assert demo.outage == "shopify" and engine.asked == []
        assert requests.post(shop, json={"query": "{ orders(first: 1) { nodes { id } } }"}, timeout=10,
                             headers={"X-Shopify-Access-Token": demo.info["shopify_token"]}).status_code == 503
        assert requests.get(hub, timeout=10, headers={"api_access_token": demo.info["chatwoot_token"]}).ok
        with pytest.raises(ValueError, match="unknown demo outage"):
            demo_workspace.set_demo_outage(demo, "everything", engine=engine)
        assert demo.outage == "shopify"
        demo_workspace.set_demo_outage(demo, None, engine=engine)
        assert demo.outage is None and engine.asked == [demo.chatwoot_account_id, demo.shopify_account_id]
        assert requests.post(shop, json={"query": "{ orders(first: 1) { nodes { id } } }"}, timeout=10,
                             headers={"X-Shopify-Access-Token": demo.info["shopify_token"]}).ok
    finally:
        demo.stop()

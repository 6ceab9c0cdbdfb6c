"""The demo workspace: a real in-process demo backend plus two accounts with tokens in the keyring."""

from __future__ import annotations

import pytest
import requests

from deskapp.services import accounts, demo_workspace


@pytest.fixture
def ws_plain(data_dir, db, profile):
    from deskapp.bootstrap import Workspace
    from deskapp.credentials import SecretStore
    from deskapp.paths import resolve_paths

    return Workspace(paths=resolve_paths(data_dir).ensure(), db=db, secrets=SecretStore(), profile=profile)


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

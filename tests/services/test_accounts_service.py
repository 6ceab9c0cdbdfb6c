"""Account services over the real keyring: add (secret in the keyring), list, test, remove."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from deskapp.connectors.base import AuthError
from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind, Batch
from deskapp.services import accounts as account_service
from deskapp.sync import registry


@pytest.fixture
def ws(db, profile):
    return SimpleNamespace(db=db, profile=profile, secrets=SecretStore(service="deskapp-test-accounts"))


def test_add_list_remove_keeps_the_secret_in_the_keyring_only(ws):
    aid = account_service.add_account(ws, "chatwoot", "Support", "http://127.0.0.1:3000/", "tok-123",
                                      {"account_id": 7})
    [acc] = account_service.list_accounts(ws)
    assert (acc.id, acc.kind, acc.base_url, acc.settings) == (aid, AccountKind.CHATWOOT, "http://127.0.0.1:3000",
                                                              {"account_id": 7})
    assert ws.secrets.get(aid) == "tok-123"
    with ws.db.read() as conn:
        dump = "\n".join(str(r) for r in conn.exec_driver_sql("SELECT * FROM account").all())
    assert "tok-123" not in dump
    account_service.remove_account(ws, aid)
    assert account_service.list_accounts(ws) == [] and ws.secrets.get(aid) is None


@pytest.mark.parametrize("kind,url,secret", [("fax", "http://x", "t"), ("chatwoot", "ftp://x", "t"),
                                             ("shopify", "http://x", "  ")])
def test_bad_input_is_refused_with_a_message(ws, kind, url, secret):
    with pytest.raises(account_service.AccountError):
        account_service.add_account(ws, kind, "", url, secret)
    assert account_service.list_accounts(ws) == []


def test_remove_unknown_account(ws):
    with pytest.raises(account_service.AccountError, match="no account"):
        account_service.remove_account(ws, 42)


def test_test_account_reports_ok_and_auth_failures(ws, monkeypatch):
    class Fake:
        def __init__(self, fail):
            self.fail = fail

        def streams(self):
            return ["profile"]

        def pull(self, stream, cursor):
            if self.fail:
                raise AuthError("401 unauthorized")
            return Batch([object()], None, True)

    monkeypatch.setitem(registry._FACTORIES, AccountKind.DEMO, lambda acc, s: Fake(acc.name == "bad"))
    good = account_service.add_account(ws, "demo", "good", "http://127.0.0.1:1", "t")
    bad = account_service.add_account(ws, "demo", "bad", "http://127.0.0.1:1", "t")
    assert account_service.test_account(ws, good) == (True, "connected: 1 record(s) on profile")
    ok, message = account_service.test_account(ws, bad)
    assert not ok and "refused" in message

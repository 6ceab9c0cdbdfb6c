"""Account services over the real keyring: add (secret in the keyring), list, test, remove."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from deskapp.connectors.base import AuthError
from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind, Batch
from deskapp.services import accounts as account_service
from deskapp.services.profile_secrets import secret_store
from deskapp.sync import registry


@pytest.fixture
def ws(db, profile):
    return SimpleNamespace(db=db, profile=profile, secrets=secret_store(profile))


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


def test_accounts_live_in_the_profile_with_the_sync_state_of_the_cache(ws):
    from deskapp.domain import Connectivity
    from deskapp.store import accounts as account_store
    from deskapp.store import profile_records

    aid = account_service.add_account(ws, "chatwoot", "Support", "https://hub.example", "tok", {"account_id": 1})
    with ws.profile.read() as conn:
        assert [a.name for a in profile_records.list_accounts(conn)] == ["Support"]
    with ws.db.write() as conn:
        account_store.set_state(conn, aid, Connectivity.ONLINE, synced=True)
    [listed] = account_service.list_accounts(ws)
    assert listed.state == Connectivity.ONLINE and listed.last_sync is not None
    account_service.update_account(ws, aid, name="Support EU", settings={"account_id": 2})
    with ws.db.read() as conn:  # the cache's copy follows, its sync state kept
        cached = account_store.get_account(conn, aid)
    assert (cached.name, cached.settings, cached.state) == ("Support EU", {"account_id": 2}, Connectivity.ONLINE)


def test_removing_an_account_deletes_every_secret_it_had(ws):
    from deskapp.services.mail_accounts import add_imap_account

    token = account_service.add_account(ws, "chatwoot", "Hub", "https://hub.example", "tok-1")
    mailbox = add_imap_account(ws, host="127.0.0.1", port=1143, user="me", secret="pw-1", security="plain")
    oauth = add_imap_account(ws, host="127.0.0.1", port=1143, user="you", secret="oauth-1", security="plain",
                             auth="xoauth2")
    assert (ws.secrets.get(token), ws.secrets.get(mailbox, "password"), ws.secrets.get(oauth, "oauth2")) == \
        ("tok-1", "pw-1", "oauth-1")
    for account_id in (token, mailbox, oauth):
        account_service.remove_account(ws, account_id)
    assert [ws.secrets.get(i, kind) for i in (token, mailbox, oauth) for kind in ("token", "password", "oauth2")] \
        == [None] * 9
    assert account_service.list_accounts(ws) == []
    # A new account never takes a removed one's id (nor anything left under it).
    assert account_service.add_account(ws, "chatwoot", "Hub 2", "https://hub.example", "tok-2") > oauth


def test_a_keyring_that_refuses_to_delete_keeps_the_account_to_try_again(ws):
    from deskapp.credentials import CredentialError

    aid = account_service.add_account(ws, "chatwoot", "Hub", "https://hub.example", "tok-1")

    class LockedKeyring(SecretStore):
        """The OS keyring locked between adding and removing (cannot be provoked on the test session bus)."""

        def delete(self, account_id, kind="token"):
            raise CredentialError("the OS keyring could not delete the secret: locked")

    real = ws.secrets
    ws.secrets = LockedKeyring(real.profile_id)
    with pytest.raises(CredentialError, match="locked"):
        account_service.remove_account(ws, aid)
    ws.secrets = real
    assert [a.id for a in account_service.list_accounts(ws)] == [aid] and real.get(aid) == "tok-1"
    account_service.remove_account(ws, aid)
    assert account_service.list_accounts(ws) == [] and real.get(aid) is None

"""sync.registry: the connector each kind of account gets, built with the token from the secret store; a missing
token is a sign-in problem, a kind without a connector is said so, and a caller's own table is used as given."""

from __future__ import annotations

import pytest

from deskapp.connectors.base import AuthError
from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.shopify import ShopifyConnector
from deskapp.credentials.keyring_store import SessionSecretStore
from deskapp.domain import Account, AccountKind
from deskapp.sync import registry


@pytest.fixture
def secrets() -> SessionSecretStore:
    store = SessionSecretStore("registry-test")  # the in-memory store of the demo workspace, same behaviour
    store.set(1, "cw-token")
    store.set(2, "shop-token")
    return store


def test_chatwoot_gets_its_account_id_and_token(secrets):
    account = Account(1, AccountKind.CHATWOOT, "Support", "http://127.0.0.1:3000/", {"account_id": 7})
    connector = registry.create(account, secrets)
    assert isinstance(connector, ChatwootConnector)
    assert connector.prefix == "/api/v1/accounts/7" and connector.http.base_url == "http://127.0.0.1:3000"
    assert connector.http.session.headers["api_access_token"] == "cw-token"


def test_chatwoot_without_an_account_id_setting_uses_the_first():
    store = SessionSecretStore("registry-test-2")
    store.set(1, "cw-token")
    connector = registry.create(Account(1, "chatwoot", "Support", "http://127.0.0.1:3000"), store)
    assert connector.prefix == "/api/v1/accounts/1"


def test_shopify_gets_its_token(secrets):
    connector = registry.create(Account(2, AccountKind.SHOPIFY, "Shop", "https://shop.example"), secrets)
    assert isinstance(connector, ShopifyConnector) and connector.http.base_url == "https://shop.example"
    assert connector.http.session.headers["X-Shopify-Access-Token"] == "shop-token"


@pytest.mark.parametrize("kind", [AccountKind.CHATWOOT, AccountKind.SHOPIFY])
def test_a_missing_token_is_a_sign_in_problem(secrets, kind):
    with pytest.raises(AuthError, match="no token stored for account 9; add the account again"):
        registry.create(Account(9, kind, "Gone", "http://127.0.0.1:1"), secrets)


def test_a_kind_without_a_connector_is_said_so(secrets):
    assert AccountKind.DEMO not in registry.factories()
    with pytest.raises(registry.UnknownAccountKind, match="no connector for demo accounts"):
        registry.create(Account(1, AccountKind.DEMO, "Demo", ""), secrets)


def test_a_kind_that_does_not_exist_is_refused(secrets):
    with pytest.raises(ValueError):
        registry.create(Account(1, "fax", "Fax", ""), secrets)
    with pytest.raises(ValueError):
        registry.register("fax", lambda account, store: None)


def test_the_built_in_kinds_are_registered_and_factories_is_a_copy():
    table = registry.factories()
    assert set(table) >= {AccountKind.CHATWOOT, AccountKind.SHOPIFY, AccountKind.IMAP_SMTP}
    table.clear()
    assert registry.factories()  # the registry's own table is untouched


def test_a_callers_table_is_used_as_given(secrets):
    made = []
    table = {AccountKind.DEMO: lambda account, store: made.append((account.id, store.get(1))) or "connector"}
    assert registry.create(Account(1, "demo", "Demo", ""), secrets, table) == "connector"
    assert made == [(1, "cw-token")]
    with pytest.raises(registry.UnknownAccountKind):
        registry.create(Account(1, AccountKind.CHATWOOT, "Support", "http://127.0.0.1:1"), secrets, {})

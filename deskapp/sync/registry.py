"""Which connector serves which kind of account, for the sync engine and the account services.

A factory takes the account (deskapp.domain.Account: id, kind, base_url, settings) and the secret
store, and returns a Connector. Chatwoot and Shopify are registered here; other features register
theirs with ``register`` (email registers imap_smtp).
"""

from __future__ import annotations

from collections.abc import Callable

from deskapp.connectors.base import AuthError, Connector
from deskapp.credentials import SecretStore
from deskapp.domain import Account, AccountKind

Factory = Callable[[Account, SecretStore], Connector]

_FACTORIES: dict[AccountKind, Factory] = {}


class UnknownAccountKind(LookupError):
    """No connector is registered for this kind of account."""


def register(kind: AccountKind | str, factory: Factory) -> None:
    _FACTORIES[AccountKind(kind)] = factory


def factories() -> dict[AccountKind, Factory]:
    return dict(_FACTORIES)


def create(account: Account, secrets: SecretStore, table: dict[AccountKind, Factory] | None = None) -> Connector:
    factory = (table if table is not None else _FACTORIES).get(AccountKind(account.kind))
    if factory is None:
        raise UnknownAccountKind(f"no connector for {account.kind} accounts")
    return factory(account, secrets)


def _token(account: Account, secrets: SecretStore) -> str:
    token = secrets.get(account.id)
    if not token:
        raise AuthError(f"no token stored for account {account.id}; add the account again")
    return token


def _chatwoot(account: Account, secrets: SecretStore) -> Connector:
    from deskapp.connectors.chatwoot import ChatwootConnector  # imported when first used

    return ChatwootConnector(account.base_url, account.settings.get("account_id", 1), _token(account, secrets))


def _shopify(account: Account, secrets: SecretStore) -> Connector:
    from deskapp.connectors.shopify import ShopifyConnector

    return ShopifyConnector(account.base_url, _token(account, secrets))


def _imap_smtp(account: Account, secrets: SecretStore) -> Connector:
    from deskapp.connectors.imap_smtp import create_connector  # email

    return create_connector(account, secrets.get)


register(AccountKind.CHATWOOT, _chatwoot)
register(AccountKind.SHOPIFY, _shopify)
register(AccountKind.IMAP_SMTP, _imap_smtp)

"""Which connector serves which kind of account, for the sync engine and the account services.

A factory takes the account (deskapp.domain.Account: id, kind, base_url, settings) and the secret
store, and returns a Connector. Chatwoot and Shopify are registered here; other features register
theirs with ``register`` (email registers imap_smtp). ``hub_client`` gives the account services (rules, the hub's
figures, the bot's kill switch) a Chatwoot account's HTTP client with the retry policy their caller needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from deskapp.connectors.base import AuthError, Connector
from deskapp.credentials import SecretStore
from deskapp.domain import Account, AccountKind

if TYPE_CHECKING:
    from deskapp.connectors.http import HttpClient

Factory = Callable[[Account, SecretStore], Connector]

_FACTORIES: dict[AccountKind, Factory] = {}


class UnknownAccountKind(LookupError):
    """No connector is registered for this kind of account."""


class HubClient(NamedTuple):
    http: HttpClient
    account_id: int | str  # the account's number on the hub (its ``account_id`` setting; the first when unset)


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


def chatwoot_http(base_url: str, token: str, **policy: Any) -> HttpClient:
    """A client of a Chatwoot hub's API signed with ``token``. ``policy`` is HttpClient's timeout and retry options
    as the caller needs them: a person waiting wants short timeouts and few attempts, a background read more
    patience. Certificates are verified unless the policy says otherwise."""
    from deskapp.connectors.http import HttpClient  # imported when first used, as the connectors are

    return HttpClient(base_url, {"api_access_token": token, "Accept": "application/json"}, **policy)


def hub_client(account: Account, secrets: SecretStore, **policy: Any) -> HubClient:
    """A Chatwoot account's client with its token from ``secrets`` (``policy`` as for chatwoot_http); AuthError
    when no token is stored."""
    return HubClient(chatwoot_http(account.base_url, _token(account, secrets), **policy), _hub_id(account))


def _hub_id(account: Account) -> int | str:
    hub_id: int | str = account.settings.get("account_id", 1)
    return hub_id


def _chatwoot(account: Account, secrets: SecretStore) -> Connector:
    from deskapp.connectors.chatwoot import ChatwootConnector  # imported when first used

    return ChatwootConnector(account.base_url, _hub_id(account), _token(account, secrets))


def _shopify(account: Account, secrets: SecretStore) -> Connector:
    from deskapp.connectors.shopify import ShopifyConnector

    return ShopifyConnector(account.base_url, _token(account, secrets))


def _imap_smtp(account: Account, secrets: SecretStore) -> Connector:
    from deskapp.connectors.imap_smtp import create_connector  # email

    return create_connector(account, secrets.get)


register(AccountKind.CHATWOOT, _chatwoot)
register(AccountKind.SHOPIFY, _shopify)
register(AccountKind.IMAP_SMTP, _imap_smtp)

"""A connection to a Chatwoot account for calls outside the sync (typing status, availability, a quick read
before sending), for the collision and floor services. Every call is best effort: it is skipped while the
account is offline or needs a new credential, and a failure is logged and reported as False / None.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from deskapp.connectors.base import ConnectorError
from deskapp.credentials import CredentialError, SecretStore
from deskapp.domain import AccountKind, Connectivity
from deskapp.store import accounts as account_store
from deskapp.store.engine import Database
from deskapp.sync import registry

log = logging.getLogger(__name__)
T = TypeVar("T")
SKIPPED_STATES = (Connectivity.OFFLINE, Connectivity.AUTH_NEEDED)


class HubLink:
    """Calls ``fn(http, prefix, hub_account_id)`` against an account's Chatwoot connection; ``secrets`` is the
    store or what gives it when asked (the demo swaps the workspace's store after start)."""

    def __init__(self, db: Database, secrets: SecretStore | Callable[[], SecretStore]) -> None:
        self.db = db
        self._secrets = secrets
        self._lock = threading.Lock()
        self._connectors: dict[int, Any] = {}

    def call(self, account_id: int, fn: Callable[[Any, str, int], T], what: str) -> T | None:
        """``fn``'s answer, or None when the account is not a reachable Chatwoot account or the call failed."""
        connector = self._connector(account_id)
        if connector is None:
            return None
        try:
            return fn(connector.http, connector.prefix, int(connector.account_id))
        except (ConnectorError, ValueError, OSError) as exc:
            log.info("%s on account %s did not go through: %s", what, account_id, exc)
            return None

    def _connector(self, account_id: int) -> Any:
        with self.db.read() as conn:
            account = account_store.get_account(conn, account_id)
        if account is None or account.kind != AccountKind.CHATWOOT or account.state in SKIPPED_STATES:
            return None
        with self._lock:
            if account_id not in self._connectors:
                try:
                    secrets = self._secrets if isinstance(self._secrets, SecretStore) else self._secrets()
                    self._connectors[account_id] = registry.create(account, secrets)
                except (ConnectorError, CredentialError, registry.UnknownAccountKind) as exc:
                    log.info("no hub connection for account %s: %s", account_id, exc)
                    return None
            return self._connectors[account_id]

"""Adding, listing, testing and removing accounts, for the CLI and the settings screen.

The account row goes to the cache, its secret to the OS keyring under the new id; if the keyring
refuses, the row is removed again so no account exists without its credential.
"""

from __future__ import annotations

from typing import Any, Protocol

from deskapp.connectors.base import AuthError, ConnectorError
from deskapp.credentials import SecretStore
from deskapp.domain import Account, AccountKind
from deskapp.store import accounts as account_store
from deskapp.store.engine import Database
from deskapp.sync import registry


class _Workspace(Protocol):
    db: Database
    secrets: SecretStore


class AccountError(ValueError):
    """The account cannot be added or found; the message says why."""


def add_account(ws: _Workspace, kind: AccountKind | str, name: str, base_url: str, secret: str,
                settings: dict[str, Any] | None = None) -> int:
    """Stores the account and its secret; returns the new account id."""
    try:
        kind = AccountKind(kind)
    except ValueError as exc:
        raise AccountError(f"unknown account kind {kind!r}") from exc
    base_url = (base_url or "").strip().rstrip("/")
    if kind != AccountKind.DEMO and not base_url.startswith(("http://", "https://")):
        raise AccountError(f"the URL must start with http:// or https:// (got {base_url!r})")
    if not secret or not secret.strip():
        raise AccountError("the token is empty")
    with ws.db.write() as conn:
        account_id = account_store.insert_account(conn, kind, name or f"{kind} {base_url}", base_url, settings)
    try:
        ws.secrets.set(account_id, secret.strip())
    except Exception:
        with ws.db.write() as conn:
            account_store.delete_account(conn, account_id)
        raise
    return account_id


def list_accounts(ws: _Workspace) -> list[Account]:
    with ws.db.read() as conn:
        return account_store.list_accounts(conn)


def get_account(ws: _Workspace, account_id: int) -> Account:
    with ws.db.read() as conn:
        account = account_store.get_account(conn, account_id)
    if account is None:
        raise AccountError(f"no account with id {account_id}")
    return account


def remove_account(ws: _Workspace, account_id: int) -> None:
    """Deletes the account, everything synced from it, and its secrets."""
    get_account(ws, account_id)
    with ws.db.write() as conn:
        account_store.delete_account(conn, account_id)
    for kind in ("token", "password", "smtp"):
        ws.secrets.delete(account_id, kind)


def test_account(ws: _Workspace, account_id: int) -> tuple[bool, str]:
    """Pulls the first page of the account's first stream; (ok, what happened) — nothing is stored."""
    account = get_account(ws, account_id)
    try:
        connector = registry.create(account, ws.secrets)
        streams = connector.streams()
        if streams:
            batch = connector.pull(streams[0], None)
            return True, f"connected: {len(batch.items)} record(s) on {streams[0]}"
        return True, "connected"
    except AuthError as exc:
        return False, f"the credential was refused: {exc}"
    except ConnectorError as exc:
        return False, f"the service could not be reached: {exc}"
    except registry.UnknownAccountKind as exc:
        return False, str(exc)


def account_as_dict(account: Account) -> dict[str, Any]:
    return {"id": account.id, "kind": str(account.kind), "name": account.name, "base_url": account.base_url,
            "settings": account.settings, "state": str(account.state),
            "last_sync": account.last_sync.isoformat() if account.last_sync else None,
            "last_error": account.last_error}

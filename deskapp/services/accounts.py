"""Adding, listing, editing, testing and removing accounts, for the CLI and the settings screen.

An account is stored in the profile (the truth, which survives a rebuilt cache), its secret in the OS
keyring under the profile's identity and the account id (another data folder's account 1 is another
entry), and a copy of the row in the cache for the sync engine. If the keyring refuses the secret the
account is removed again, so no account exists without its credential; removing an account deletes its
keyring entries first, so no secret outlives its account.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from deskapp.connectors.base import AuthError, ConnectorError
from deskapp.credentials import SecretStore
from deskapp.domain import Account, AccountKind
from deskapp.store import accounts as account_store
from deskapp.store import profile_mirror
from deskapp.store import profile_records as records
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore
from deskapp.sync import registry


class AccountWorkspace(Protocol):
    """What the account use cases need (bootstrap.Workspace is one)."""

    db: Database
    secrets: SecretStore
    profile: ProfileStore


class AccountError(ValueError):
    """The account cannot be added or found; the message says why."""


def _check_url(base_url: str) -> str:
    url = (base_url or "").strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise AccountError(f"the URL must start with http:// or https:// (got {url!r})")
    return url


def add_account(ws: AccountWorkspace, kind: AccountKind | str, name: str, base_url: str, secret: str,
                settings: dict[str, Any] | None = None) -> int:
    """Stores the account and its secret; returns the new account id."""
    try:
        kind = AccountKind(kind)
    except ValueError as exc:
        raise AccountError(f"unknown account kind {kind!r}") from exc
    base_url = (base_url or "").strip().rstrip("/") if kind == AccountKind.DEMO else _check_url(base_url)
    if not secret or not secret.strip():
        raise AccountError("the token is empty")
    return register_account(ws, kind, name or f"{kind} {base_url}", base_url, settings, secret.strip())


def register_account(ws: AccountWorkspace, kind: AccountKind, name: str, base_url: str, settings: dict[str, Any] | None,
                     secret: str, secret_kind: str = "token") -> int:  # noqa: S107 - a keyring entry name
    """The checked account into the profile, its secret into the keyring, its copy into the cache."""
    with ws.profile.write() as conn:
        account_id = records.insert_account(conn, kind, name, base_url, settings)
    try:
        ws.secrets.set(account_id, secret, secret_kind)
    except Exception:
        with ws.profile.write() as conn:
            records.delete_account(conn, account_id)
        raise
    _copy_to_cache(ws, account_id)
    return account_id


def _copy_to_cache(ws: AccountWorkspace, account_id: int) -> None:
    with ws.profile.read() as conn:
        account = records.get_account(conn, account_id)
        created_at = records.account_created_at(conn).get(account_id, 0)
    if account is not None:
        with ws.db.write() as conn:
            profile_mirror.mirror_account(conn, account, created_at)


def _with_sync_state(account: Account, synced: Account | None) -> Account:
    if synced is None:
        return account
    return replace(account, state=synced.state, last_sync=synced.last_sync, last_error=synced.last_error)


def list_accounts(ws: AccountWorkspace) -> list[Account]:
    """The profile's accounts, with the sync state the cache keeps for them."""
    with ws.profile.read() as conn:
        accounts = records.list_accounts(conn)
    with ws.db.read() as conn:
        synced = {a.id: a for a in account_store.list_accounts(conn)}
    return [_with_sync_state(a, synced.get(a.id)) for a in accounts]


def get_account(ws: AccountWorkspace, account_id: int) -> Account:
    with ws.profile.read() as conn:
        account = records.get_account(conn, account_id)
    if account is None:
        raise AccountError(f"no account with id {account_id}")
    with ws.db.read() as conn:
        return _with_sync_state(account, account_store.get_account(conn, account_id))


def has_accounts(ws: AccountWorkspace) -> bool:
    with ws.profile.read() as conn:
        return bool(records.list_accounts(conn))


def update_account(ws: AccountWorkspace, account_id: int, *, name: str | None = None, base_url: str | None = None,
                   settings: dict[str, Any] | None = None, secret: str | None = None) -> None:
    """Edit an account in place (the accounts dialog, the demo workspace); a new secret replaces the keyring's."""
    account = get_account(ws, account_id)
    if base_url is not None and account.kind != AccountKind.IMAP_SMTP:  # a mailbox's imap(s):// is built, not typed
        base_url = _check_url(base_url)
    with ws.profile.write() as conn:
        records.update_account(conn, account_id, name=(name.strip() or "account") if name is not None else None,
                               base_url=base_url, settings=settings)
    _copy_to_cache(ws, account_id)
    if secret:
        ws.secrets.set(account_id, secret.strip())


def remove_account(ws: AccountWorkspace, account_id: int) -> None:
    """Deletes the account's secrets, the account (with its drafts), and everything synced from it."""
    get_account(ws, account_id)
    ws.secrets.delete_account(account_id)  # first: if the keyring refuses, the account is still there to retry
    with ws.profile.write() as conn:
        records.delete_account(conn, account_id)
    with ws.db.write() as conn:
        account_store.delete_account(conn, account_id)


def test_account(ws: AccountWorkspace, account_id: int) -> tuple[bool, str]:
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

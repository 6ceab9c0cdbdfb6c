"""Reads and writes account secrets through the OS keyring (Secret Service, Keychain, Credential Locker)."""

from __future__ import annotations

import keyring
from keyring.errors import KeyringError

from deskapp.diagnostics import register_secret

SERVICE = "deskapp"
# Every kind of secret an account may have: API token (Chatwoot, Shopify), mailbox password, XOAUTH2 token.
ACCOUNT_SECRET_KINDS = ("token", "password", "oauth2")


class CredentialError(RuntimeError):
    """The keyring is missing, locked or refused: the message says what the user can do."""


class SecretStore:
    """Secrets for account ids; ``kind`` separates several secrets of one account (token, smtp...)."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def _key(self, account_id: int, kind: str) -> str:
        return f"account:{account_id}:{kind}"

    def set(self, account_id: int, secret: str, kind: str = "token") -> None:
        if not secret:
            raise CredentialError("an empty secret cannot be stored")
        register_secret(secret)
        try:
            keyring.set_password(self.service, self._key(account_id, kind), secret)
        except KeyringError as exc:
            raise CredentialError(f"the OS keyring refused to store the secret: {exc}") from exc

    def get(self, account_id: int, kind: str = "token") -> str | None:
        try:
            secret = keyring.get_password(self.service, self._key(account_id, kind))
        except KeyringError as exc:
            raise CredentialError(f"the OS keyring could not be read: {exc}") from exc
        register_secret(secret)
        return secret

    def delete(self, account_id: int, kind: str = "token") -> None:
        try:
            keyring.delete_password(self.service, self._key(account_id, kind))
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: deleting is idempotent
        except KeyringError as exc:
            raise CredentialError(f"the OS keyring could not delete the secret: {exc}") from exc

    def delete_account(self, account_id: int) -> None:
        """Every secret of a removed account; raises CredentialError if the keyring refuses."""
        for kind in ACCOUNT_SECRET_KINDS:
            self.delete(account_id, kind)


class SessionSecretStore(SecretStore):
    """Secrets kept in this process's memory only, never written anywhere: for the demo workspace on a
    machine with no usable OS keyring, whose tokens are the demo's own and handed out again at each start."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[str, str] = {}

    def set(self, account_id: int, secret: str, kind: str = "token") -> None:
        if not secret:
            raise CredentialError("an empty secret cannot be stored")
        register_secret(secret)
        self._secrets[self._key(account_id, kind)] = secret

    def get(self, account_id: int, kind: str = "token") -> str | None:
        return self._secrets.get(self._key(account_id, kind))

    def delete(self, account_id: int, kind: str = "token") -> None:
        self._secrets.pop(self._key(account_id, kind), None)

"""Reads and writes one profile's account secrets through the OS keyring (Secret Service, Keychain, Credential
Locker), and takes over the unscoped entries of deskapp versions that keyed secrets by account id alone.

Every entry sits under the one service name ``deskapp`` and is named
``profile:<profile id>:account:<account id>:<kind>``. Account ids are numbered per data folder, so the
profile's random id is what keeps two data folders (a demo, a test, a second workspace) from sharing
or deleting each other's secrets. One service name keeps every deskapp entry together in the keyring's
own window (Seahorse, Keychain Access, Credential Manager list and search them by it), and the name
reads from the data folder down to the secret.
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from deskapp.diagnostics import register_secret

log = logging.getLogger(__name__)

SERVICE = "deskapp"
# Every kind of secret an account may have: API token (Chatwoot, Shopify), mailbox password, XOAUTH2 token.
ACCOUNT_SECRET_KINDS = ("token", "password", "oauth2")


class CredentialError(RuntimeError):
    """The keyring is missing, locked or refused: the message says what the user can do."""


def unscoped_key(account_id: int, kind: str) -> str:
    """The name deskapp used before secrets were scoped by profile (shared by every data folder)."""
    return f"account:{account_id}:{kind}"


class SecretStore:
    """Secrets of one profile's accounts; ``kind`` separates several secrets of one account (token, password...)."""

    def __init__(self, profile_id: str, service: str = SERVICE) -> None:
        if not profile_id:
            raise ValueError("a secret store needs the identity of its profile")
        self.profile_id = profile_id
        self.service = service

    def key(self, account_id: int, kind: str = "token") -> str:
        return f"profile:{self.profile_id}:account:{account_id}:{kind}"

    # --- one entry, by its full name (SessionSecretStore keeps them in memory instead) ----------------

    def _read(self, key: str) -> str | None:
        try:
            secret = keyring.get_password(self.service, key)
        except KeyringError as exc:
            raise CredentialError(f"the OS keyring could not be read: {exc}") from exc
        register_secret(secret)
        return secret

    def _write(self, key: str, secret: str) -> None:
        register_secret(secret)
        try:
            keyring.set_password(self.service, key, secret)
        except KeyringError as exc:
            raise CredentialError(f"the OS keyring refused to store the secret: {exc}") from exc

    def _remove(self, key: str) -> None:
        try:
            keyring.delete_password(self.service, key)
        except PasswordDeleteError:
            pass  # already gone: deleting is idempotent
        except KeyringError as exc:
            raise CredentialError(f"the OS keyring could not delete the secret: {exc}") from exc

    # --- this profile's secrets ------------------------------------------------------------------------

    def set(self, account_id: int, secret: str, kind: str = "token") -> None:
        if not secret:
            raise CredentialError("an empty secret cannot be stored")
        self._write(self.key(account_id, kind), secret)

    def get(self, account_id: int, kind: str = "token") -> str | None:
        return self._read(self.key(account_id, kind))

    def delete(self, account_id: int, kind: str = "token") -> None:
        self._remove(self.key(account_id, kind))

    def delete_account(self, account_id: int) -> None:
        """Every secret this profile keeps for a removed account; raises CredentialError if the keyring refuses."""
        for kind in ACCOUNT_SECRET_KINDS:
            self.delete(account_id, kind)

    def adopt_unscoped(self, account_id: int, kinds: tuple[str, ...]) -> list[str]:
        """Move the account's unscoped entries of these kinds to this profile's names; returns the kinds taken.

        Only for accounts the profile had before secrets were scoped (the caller knows which): an old
        entry is copied under this profile's name, read back, and deleted only once the same secret
        is there. If the profile already has a different secret of that kind, the old entry is left
        alone: it is then not provably this profile's. Raises CredentialError if the keyring refuses."""
        taken = []
        for kind in kinds:
            old_key, new_key = unscoped_key(account_id, kind), self.key(account_id, kind)
            old = self._read(old_key)
            if old is None:
                continue
            ours = self._read(new_key)
            if ours is None:
                self._write(new_key, old)
                ours = self._read(new_key)
            if ours == old:
                self._remove(old_key)
                taken.append(kind)
            else:
                log.info("left the unscoped %s entry of account %s alone: this profile has its own", kind, account_id)
        return taken


class SessionSecretStore(SecretStore):
    """Secrets kept in this process's memory only, never written anywhere: for the demo workspace on a
    machine with no usable OS keyring, whose tokens are the demo's own and handed out again at each start.
    Same names and behaviour as SecretStore; it never holds unscoped entries, so it has nothing to adopt."""

    def __init__(self, profile_id: str) -> None:
        super().__init__(profile_id)
        self._secrets: dict[str, str] = {}

    def _read(self, key: str) -> str | None:
        return self._secrets.get(key)

    def _write(self, key: str, secret: str) -> None:
        register_secret(secret)
        self._secrets[key] = secret

    def _remove(self, key: str) -> None:
        self._secrets.pop(key, None)

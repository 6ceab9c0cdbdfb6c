"""Secrets (API tokens, passwords) in the OS keyring, keyed by account id; nothing else stores them."""

from deskapp.credentials.keyring_store import CredentialError, SecretStore, SessionSecretStore

__all__ = ["CredentialError", "SecretStore", "SessionSecretStore"]

"""Secrets (API tokens, passwords) in the OS keyring, scoped by profile and account id; nothing else stores them."""

from deskapp.credentials.keyring_store import CredentialError, SecretStore, SessionSecretStore

__all__ = ["CredentialError", "SecretStore", "SessionSecretStore"]

"""The email channel's connector (IMAP pulls, SMTP replies, IDLE push) and its factory for the sync registry."""

from __future__ import annotations

from collections.abc import Callable

from deskapp.connectors.base import AuthError
from deskapp.connectors.imap_smtp.config import ConfigError, MailConfig
from deskapp.connectors.imap_smtp.connector import ImapSmtpConnector
from deskapp.connectors.imap_smtp.idle import IdleWatcher
from deskapp.domain import Account

# Reads a secret by (account id, kind): SecretStore.get, passed in so connectors never import credentials.
SecretGetter = Callable[[int, str], "str | None"]

SECRET_KIND = {"password": "password", "xoauth2": "oauth2"}


def config_of(account: Account) -> MailConfig:
    try:
        return MailConfig.from_settings(dict(account.settings or {}))
    except (ConfigError, ValueError, TypeError) as exc:
        raise AuthError(f"the mailbox settings need fixing: {exc}") from exc


def secret_reader(account: Account, get_secret: SecretGetter, config: MailConfig) -> Callable[[], str]:
    kind = SECRET_KIND[config.auth]

    def read() -> str:
        secret = get_secret(account.id, kind)
        if not secret:
            raise AuthError(f"no {kind} stored for account {account.id}; add the mailbox again")
        return secret
    return read


def create_connector(account: Account, get_secret: SecretGetter) -> ImapSmtpConnector:
    """The connector of an AccountKind.IMAP_SMTP account (the registry passes ``SecretStore.get``)."""
    config = config_of(account)
    return ImapSmtpConnector(config, secret_reader(account, get_secret, config), account_name=account.name)


def idle_watcher(account: Account, get_secret: SecretGetter, on_change: Callable[[], None]) -> IdleWatcher:
    """An IDLE watcher on the account's INBOX calling ``on_change`` (e.g. engine.request_sync(account.id))."""
    config = config_of(account)
    return IdleWatcher(config, secret_reader(account, get_secret, config), on_change, folder=config.folders[0])


__all__ = ["IdleWatcher", "ImapSmtpConnector", "MailConfig", "create_connector", "idle_watcher"]

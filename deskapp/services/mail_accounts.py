"""Adding a mailbox account (IMAP + SMTP) for the CLI and the settings screen; the password goes to the keyring.

Settings are checked before anything is stored: plain text is refused off loopback, unknown
security modes are refused, and an account never exists without its secret.
"""

from __future__ import annotations

from typing import Any

from deskapp.connectors.imap_smtp.config import ConfigError, MailConfig
from deskapp.domain import AccountKind
from deskapp.services import accounts as account_service


class MailAccountError(ValueError):
    """The mailbox cannot be added as given; the message says why."""


def add_imap_account(ws: account_service.AccountWorkspace, *, host: str, port: int | None, user: str, secret: str,
                     security: str = "tls", smtp_host: str | None = None, smtp_port: int | None = None,
                     smtp_security: str | None = None, name: str = "", email: str = "", auth: str = "password",
                     **extra: Any) -> int:
    """Stores the mailbox account and its password (or XOAUTH2 token); returns the account id."""
    if not secret or not secret.strip():
        raise MailAccountError("the password is empty")
    settings = {"host": host, "port": port, "user": user, "security": security, "smtp_host": smtp_host or host,
                "smtp_port": smtp_port, "smtp_security": smtp_security or security, "email": email or "",
                "auth": auth, **extra}
    try:
        config = MailConfig.from_settings(settings)
    except (ConfigError, ValueError) as exc:
        raise MailAccountError(str(exc)) from exc
    scheme = "imaps" if config.security == "tls" else "imap"
    base_url = f"{scheme}://{config.host}:{config.port}"
    return account_service.register_account(
        ws, AccountKind.IMAP_SMTP, name or config.own_address or user, base_url, config.as_settings(),
        secret.strip(), "oauth2" if config.auth == "xoauth2" else "password")

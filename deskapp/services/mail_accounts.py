"""Mailbox accounts (IMAP + SMTP) for the CLI and the settings screen: add, edit and test; the password goes
to the keyring only.

Settings are checked before anything is stored: plain text is refused off loopback, unknown
security modes are refused, and an account never exists without its secret. The connection test
signs in to both servers without storing or sending anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deskapp.connectors.imap_smtp import SECRET_KIND
from deskapp.connectors.imap_smtp.config import ConfigError, MailConfig
from deskapp.connectors.imap_smtp.probe import ProbeResult, probe_imap, probe_smtp
from deskapp.connectors.imap_smtp.read_pool import worker_starts
from deskapp.domain import AccountKind
from deskapp.services import accounts as account_service


class MailAccountError(ValueError):
    """The mailbox cannot be added as given; the message says why."""


def _config(*, host: str, port: int | None, user: str, security: str = "tls", smtp_host: str | None = None,
            smtp_port: int | None = None, smtp_security: str | None = None, email: str = "",
            auth: str = "password", **extra: Any) -> MailConfig:
    settings = {"host": (host or "").strip(), "port": port, "user": (user or "").strip(), "security": security,
                "smtp_host": (smtp_host or "").strip() or (host or "").strip(), "smtp_port": smtp_port,
                "smtp_security": smtp_security or security, "email": (email or "").strip(), "auth": auth, **extra}
    try:
        return MailConfig.from_settings(settings)
    except (ConfigError, ValueError, TypeError) as exc:
        raise MailAccountError(str(exc)) from exc


def _base_url(config: MailConfig) -> str:
    return f"{'imaps' if config.security == 'tls' else 'imap'}://{config.host}:{config.port}"


def add_imap_account(ws: account_service.AccountWorkspace, *, secret: str, name: str = "", **fields: Any) -> int:
    """Stores the mailbox account and its password (or XOAUTH2 token); returns the account id.

    ``fields``: host, port, user, security, smtp_host, smtp_port, smtp_security, email, auth, and the
    optional display_name, folders, sent_folder, ca_file."""
    if not secret or not secret.strip():
        raise MailAccountError("the password is empty")
    config = _config(**fields)
    return account_service.register_account(
        ws, AccountKind.IMAP_SMTP, name or config.own_address or config.user, _base_url(config),
        config.as_settings(), secret.strip(), SECRET_KIND[config.auth])


def update_imap_account(ws: account_service.AccountWorkspace, account_id: int, *, secret: str | None = None,
                        name: str = "", **fields: Any) -> None:
    """Edit a mailbox account; an empty ``secret`` keeps the stored one (unless the sign-in method changes)."""
    account = account_service.get_account(ws, account_id)
    if account.kind != AccountKind.IMAP_SMTP:
        raise MailAccountError(f"account {account_id} is not a mailbox")
    config = _config(**fields)
    before = SECRET_KIND[str((account.settings or {}).get("auth") or "password")]
    after = SECRET_KIND[config.auth]
    secret = (secret or "").strip()
    if after != before and not secret:
        raise MailAccountError(f"the new sign-in method needs its {'token' if after == 'oauth2' else 'password'}")
    if secret:  # first: if the keyring refuses, nothing has changed
        ws.secrets.set(account_id, secret, after)
    account_service.update_account(ws, account_id, name=name or account.name, base_url=_base_url(config),
                                   settings=config.as_settings())
    if after != before:
        ws.secrets.delete(account_id, before)


@dataclass(frozen=True, slots=True)
class MailboxCheck:
    """What the connection test found, server by server (IMAP, then SMTP)."""

    results: tuple[ProbeResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def check_mailbox(ws: account_service.AccountWorkspace, *, secret: str | None = None, account_id: int | None = None,
                  **fields: Any) -> MailboxCheck:
    """Sign in to the IMAP and SMTP servers these settings name (or, without ``fields``, the saved account's),
    with ``secret`` or the stored one. Network and keyring I/O: call it off the GUI thread."""
    try:
        if fields:
            config = _config(**fields)
        else:
            if account_id is None:
                raise MailAccountError("nothing to test")
            config = _config(**account_service.get_account(ws, account_id).settings)
    except (MailAccountError, account_service.AccountError) as exc:
        return MailboxCheck((ProbeResult("settings", False, "settings", str(exc)),))
    secret = (secret or "").strip()
    if not secret and account_id is not None:
        secret = ws.secrets.get(account_id, SECRET_KIND[config.auth]) or ""
    if not secret:
        word = "token" if config.auth == "xoauth2" else "password"
        return MailboxCheck((ProbeResult("settings", False, "auth", f"the {word} is empty"),))
    return MailboxCheck((probe_imap(config, secret), probe_smtp(config, secret)))


def mail_reading_starts() -> bool:
    """Whether a large mailbox's backfill can be read in a worker process here (the smoke run of a build)."""
    return worker_starts()

"""A reconnecting IMAP session on imapclient for the mail connector: TLS/STARTTLS, password or XOAUTH2,
and imapclient/socket failures mapped to the connector errors (AuthError, TransientError).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from collections.abc import Callable
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient import exceptions as imap_errors

from deskapp.connectors.base import AuthError, PayloadError, TransientError
from deskapp.connectors.imap_smtp.config import MailConfig

log = logging.getLogger(__name__)
T = TypeVar("T")

# What a dropped connection or a dead server looks like from imapclient.
_NETWORK_ERRORS = (OSError, socket.timeout, ssl.SSLError, imap_errors.IMAPClientAbortError, EOFError)


class ImapSession:
    """One logged-in connection, opened on first use and reopened once when it drops mid-call."""

    def __init__(self, config: MailConfig, secret: Callable[[], str]) -> None:
        self.config = config
        self._secret = secret
        self._client: IMAPClient | None = None
        self.selected: str | None = None
        self.condstore = False

    def _connect(self) -> IMAPClient:
        cfg = self.config
        try:
            client = IMAPClient(cfg.host, port=cfg.port, ssl=cfg.security == "tls",
                                ssl_context=cfg.tls_context() if cfg.security == "tls" else None, timeout=cfg.timeout)
            client.normalise_times = False  # keep INTERNALDATE's zone: we store UTC
            if cfg.security == "starttls":
                client.starttls(cfg.tls_context())
        except ssl.SSLCertVerificationError as exc:  # not a network hiccup: retrying will not help
            raise AuthError(f"the TLS certificate of {cfg.host} is not trusted: {exc.verify_message}") from exc
        except _NETWORK_ERRORS as exc:
            raise TransientError(f"cannot reach {cfg.host}:{cfg.port}: {exc}") from exc
        except imap_errors.IMAPClientError as exc:
            raise TransientError(f"{cfg.host}:{cfg.port} refused the session: {exc}") from exc
        try:
            secret = self._secret()
            if cfg.auth == "xoauth2":
                client.oauth2_login(cfg.user, secret)
            else:
                client.login(cfg.user, secret)
        except imap_errors.LoginError as exc:
            _close_quietly(client)
            raise AuthError(f"the mail server refused the login of {cfg.user}: {exc}") from exc
        except _NETWORK_ERRORS as exc:
            _close_quietly(client)
            raise TransientError(f"connection lost while logging in: {exc}") from exc
        except imap_errors.IMAPClientError as exc:
            _close_quietly(client)
            raise AuthError(f"login failed: {exc}") from exc
        try:
            if client.has_capability("CONDSTORE"):
                if client.has_capability("ENABLE"):
                    client.enable("CONDSTORE")
                self.condstore = True
        except imap_errors.IMAPClientError:
            self.condstore = False
        self.selected = None
        return client

    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def run(self, call: Callable[[IMAPClient], T]) -> T:
        """``call(client)``; on a dropped connection, reconnect once (back in the folder that was
        selected: a FETCH needs it) and try again."""
        folder = self.selected
        for attempt in (1, 2):
            try:
                client = self.client
                if attempt == 2 and folder is not None and self.selected is None:
                    client.select_folder(folder, readonly=True)
                    self.selected = folder
                return call(client)
            except _NETWORK_ERRORS as exc:
                self.close()
                if attempt == 2:
                    raise TransientError(f"IMAP connection lost: {exc}") from exc
                log.info("IMAP connection to %s dropped (%s); reconnecting", self.config.host, exc)
            except imap_errors.IMAPClientError as exc:
                raise PayloadError(f"IMAP command failed: {exc}") from exc
        raise AssertionError("unreachable")

    def select(self, folder: str) -> dict[bytes, Any] | None:
        """SELECT read-only; None when the folder does not exist."""
        def do(client: IMAPClient):
            if not client.folder_exists(folder):
                return None
            info = client.select_folder(folder, readonly=True)
            self.selected = folder
            return info
        return self.run(do)

    def close(self) -> None:
        if self._client is not None:
            _close_quietly(self._client)
        self._client = None
        self.selected = None


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):  # already gone: nothing left to release
            client.shutdown()

"""Settings of one mailbox account (from the account row's settings + the keyring), validated once.

Plain-text IMAP/SMTP is refused unless the account explicitly says ``security: plain`` AND the host
is a loopback address: a password never crosses a network in clear.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

SECURITY_CHOICES = ("tls", "starttls", "plain")
DEFAULT_PORTS = {"tls": 993, "starttls": 143, "plain": 143}
DEFAULT_SMTP_PORTS = {"tls": 465, "starttls": 587, "plain": 25}


class ConfigError(ValueError):
    """The account's settings cannot work (unknown security, plain text off loopback...)."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except OSError:
            return False


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    user: str
    security: str = "tls"
    email: str = ""  # our own address: From of replies, and how we recognise our mail
    display_name: str = ""
    auth: str = "password"  # password | xoauth2
    smtp_host: str = ""
    smtp_port: int = 0
    smtp_security: str = ""
    smtp_user: str = ""
    folders: tuple[str, ...] = ("INBOX", "Sent")
    sent_folder: str = "Sent"
    append_to_sent: bool = True
    max_attachment_bytes: int = 25 * 1024 * 1024
    timeout: float = 30.0
    ca_file: str = ""  # an extra CA to trust (a company's own mail server); system CAs are always trusted
    extra: dict[str, Any] = field(default_factory=dict)

    def tls_context(self) -> ssl.SSLContext:
        """Certificates and host names verified, TLS 1.2 at least."""
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if self.ca_file:
            context.load_default_certs()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    @property
    def own_address(self) -> str:
        return (self.email or (self.user if "@" in self.user else "")).lower()

    def check(self) -> MailConfig:
        for label, security, host in (("IMAP", self.security, self.host),
                                      ("SMTP", self.smtp_security, self.smtp_host)):
            if security not in SECURITY_CHOICES:
                raise ConfigError(f"{label} security must be one of {', '.join(SECURITY_CHOICES)}, not {security!r}")
            if security == "plain" and not is_loopback(host):
                raise ConfigError(f"plain-text {label} is only allowed on a loopback address, not {host!r}")
        if self.auth not in ("password", "xoauth2"):
            raise ConfigError(f"unknown auth {self.auth!r}")
        if not self.host or not self.user:
            raise ConfigError("host and user are required")
        return self

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> MailConfig:
        security = str(settings.get("security") or "tls").lower()
        smtp_security = str(settings.get("smtp_security") or security).lower()
        host = str(settings.get("host") or "")
        folders = settings.get("folders") or ["INBOX", settings.get("sent_folder") or "Sent"]
        return cls(
            host=host,
            port=int(settings.get("port") or DEFAULT_PORTS.get(security, 993)),
            user=str(settings.get("user") or ""),
            security=security,
            email=str(settings.get("email") or ""),
            display_name=str(settings.get("display_name") or ""),
            auth=str(settings.get("auth") or "password"),
            smtp_host=str(settings.get("smtp_host") or host),
            smtp_port=int(settings.get("smtp_port") or DEFAULT_SMTP_PORTS.get(smtp_security, 465)),
            smtp_security=smtp_security,
            smtp_user=str(settings.get("smtp_user") or settings.get("user") or ""),
            folders=tuple(str(f) for f in folders),
            sent_folder=str(settings.get("sent_folder") or "Sent"),
            append_to_sent=bool(settings.get("append_to_sent", True)),
            max_attachment_bytes=int(settings.get("max_attachment_bytes") or 25 * 1024 * 1024),
            timeout=float(settings.get("timeout") or 30.0),
            ca_file=str(settings.get("ca_file") or ""),
            extra={k: v for k, v in settings.items() if k.startswith("x_")},
        ).check()

    def as_settings(self) -> dict[str, Any]:
        return {
            "host": self.host, "port": self.port, "user": self.user, "security": self.security,
            "email": self.email, "display_name": self.display_name, "auth": self.auth,
            "smtp_host": self.smtp_host, "smtp_port": self.smtp_port, "smtp_security": self.smtp_security,
            "smtp_user": self.smtp_user, "folders": list(self.folders), "sent_folder": self.sent_folder,
            "append_to_sent": self.append_to_sent, "max_attachment_bytes": self.max_attachment_bytes,
            "timeout": self.timeout, "ca_file": self.ca_file,
        }

"""The connection test of a mailbox, for the accounts dialog: signs in to IMAP and to SMTP exactly as the sync
does (same sessions, same TLS checks), sends nothing, and says for each server what failed: the host, TLS
or the sign-in.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass

from imapclient import exceptions as imap_errors

from deskapp.connectors.base import ConnectorError
from deskapp.connectors.imap_smtp.config import MailConfig
from deskapp.connectors.imap_smtp.imap import ImapSession
from deskapp.connectors.imap_smtp.smtp import SmtpRejected, smtp_session

HOST, TLS, AUTH, SERVER = "host", "tls", "auth", "server"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    server: str  # "IMAP" | "SMTP"
    ok: bool
    problem: str  # "" when ok, else HOST | TLS | AUTH | SERVER
    message: str


def probe_imap(config: MailConfig, secret: str) -> ProbeResult:
    """Sign in and open INBOX read-only."""
    session = ImapSession(config, lambda: secret)
    try:
        info = session.select("INBOX")
        count = int((info or {}).get(b"EXISTS", 0))
        return ProbeResult("IMAP", True, "", f"signed in as {config.user}; {count} message(s) in INBOX")
    except ConnectorError as exc:
        return _failed("IMAP", config.host, config.port, config.user, config.timeout, exc)
    finally:
        session.close()


def probe_smtp(config: MailConfig, secret: str) -> ProbeResult:
    """Sign in (after STARTTLS where asked) and say NOOP; no message is sent."""
    try:
        with smtp_session(config, secret) as server:
            if not server.has_extn("auth"):
                return ProbeResult("SMTP", False, AUTH, f"{config.smtp_host}:{config.smtp_port} offers no sign-in "
                                   "on this connection (it may want STARTTLS or TLS first)")
            server.noop()
        return ProbeResult("SMTP", True, "", f"signed in as {config.smtp_user}; nothing was sent")
    except (ConnectorError, SmtpRejected) as exc:
        return _failed("SMTP", config.smtp_host, config.smtp_port, config.smtp_user, config.timeout, exc)


def _failed(server: str, host: str, port: int, user: str, timeout: float, exc: Exception) -> ProbeResult:
    cause = exc.__cause__
    where = f"{host}:{port}"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return ProbeResult(server, False, TLS, f"the certificate of {host} is not trusted ({cause.verify_message}); "
                           "if your company has its own certificate authority, give its file")
    if isinstance(cause, ssl.SSLError):
        return ProbeResult(server, False, TLS, f"TLS with {where} failed ({cause.reason or cause}); check the "
                           "security setting and the port (TLS: 993 and 465, STARTTLS: 143 and 587)")
    if isinstance(cause, smtplib.SMTPNotSupportedError) or "starttls" in str(cause).lower():
        return ProbeResult(server, False, TLS, f"{where} does not offer STARTTLS; choose TLS (or the right port)")
    if isinstance(cause, (imap_errors.LoginError, smtplib.SMTPAuthenticationError)):
        return ProbeResult(server, False, AUTH, f"{where} refused the sign-in of {user}: check the user name and "
                           "the password (or token)")
    if isinstance(cause, socket.gaierror):
        return ProbeResult(server, False, HOST, f"the server name {host} is unknown ({cause.strerror})")
    if isinstance(cause, ConnectionRefusedError):
        return ProbeResult(server, False, HOST, f"nothing answers on {where}: check the server name and the port")
    if isinstance(cause, TimeoutError) or "timed out" in str(cause):
        return ProbeResult(server, False, HOST, f"no answer from {where} within {timeout:.0f} s: check the port "
                           "and the security setting")
    if isinstance(cause, OSError) and not isinstance(cause, smtplib.SMTPResponseException):
        return ProbeResult(server, False, HOST, f"cannot reach {where}: {cause}")
    return ProbeResult(server, False, SERVER, f"{where} answered with an error: {exc}")

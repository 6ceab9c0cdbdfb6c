"""Sends one reply over SMTP (implicit TLS, STARTTLS, or plain on loopback) for the mail connector, and opens
a signed-in SMTP session for the connection test.

SMTP failures map to the connector contract: a refused login or an untrusted certificate -> AuthError, an
unreachable or temporarily failing server (4xx) -> TransientError, a permanent refusal (5xx) -> SmtpRejected.

SMTP has no idempotency key. The only moment a server can take a message is the end-of-data mark after
DATA, so ``send_message`` writes the message without that mark, calls ``handoff(Handoff.HANDED)`` (the
caller records it durably), and only then writes the mark; when the server answers 250 it calls
``handoff(Handoff.ACCEPTED)``. A crash before HANDED: certainly not sent. After ACCEPTED: certainly sent.
In between: maybe sent, and nobody can know without looking at the customer's thread.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator
from email.message import EmailMessage

from deskapp.connectors.base import AuthError, TransientError
from deskapp.connectors.imap_smtp.config import MailConfig
from deskapp.domain import Handoff

log = logging.getLogger(__name__)

HandoffRecorder = Callable[[Handoff | None], None]
_LEADING_DOT = re.compile(rb"(?m)^\.")  # dot-stuffing (RFC 5321 4.5.2)
_NETWORK_ERRORS = (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError, ssl.SSLError)


class SmtpRejected(Exception):
    """The server refused the message for good (bad recipient, policy): a conflict for the agent."""


class _HandoffData(smtplib.SMTP):
    """smtplib's DATA stage in two writes: the message, then, once the handoff is recorded, the end mark."""

    handoff: HandoffRecorder | None = None

    # replaces smtplib.SMTP.data, narrowing its argument: sendmail() always passes bytes here
    def data(self, msg: bytes) -> tuple[int, bytes]:  # type: ignore[override]
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = _LEADING_DOT.sub(b"..", msg)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body)
        if self.handoff is not None:
            try:
                self.handoff(Handoff.HANDED)
            except BaseException:
                self.close()  # without the end mark the server drops the message: certainly not sent
                raise
        self.send(b".\r\n")
        return self.getreply()


class _Smtp(_HandoffData):
    pass


class _SmtpSsl(_HandoffData, smtplib.SMTP_SSL):
    pass


@contextlib.contextmanager
def _mapped_errors(config: MailConfig) -> Iterator[None]:
    host, port = config.smtp_host, config.smtp_port
    try:
        yield
    except ssl.SSLCertVerificationError as exc:
        raise AuthError(f"the TLS certificate of {host} is not trusted: {exc.verify_message}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthError(f"the SMTP server refused the login of {config.smtp_user}: {exc}") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise AuthError(f"{host}:{port} does not offer STARTTLS: {exc}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise SmtpRejected(f"recipients refused: {', '.join(sorted(exc.recipients))}") from exc
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise TransientError(f"SMTP server busy ({exc.smtp_code}): {exc.smtp_error!r}") from exc
        raise SmtpRejected(f"SMTP server refused the message ({exc.smtp_code}): {exc.smtp_error!r}") from exc
    except _NETWORK_ERRORS as exc:
        raise TransientError(f"cannot send through {host}:{port}: {exc}") from exc


@contextlib.contextmanager
def smtp_session(config: MailConfig, password: str | None) -> Iterator[_HandoffData]:
    """A connected, encrypted (unless plain on loopback) and signed-in SMTP session; errors mapped as above."""
    host, port, security = config.smtp_host, config.smtp_port, config.smtp_security
    with _mapped_errors(config):
        if security == "tls":
            server: _HandoffData = _SmtpSsl(host, port, timeout=config.timeout, context=config.tls_context())
        else:
            server = _Smtp(host, port, timeout=config.timeout)
        with server:
            server.ehlo()
            if security == "starttls":
                server.starttls(context=config.tls_context())
                server.ehlo()
            if password and server.has_extn("auth"):
                if config.auth == "xoauth2":
                    auth = f"user={config.smtp_user}\x01auth=Bearer {password}\x01\x01"
                    code, reply = server.docmd("AUTH", "XOAUTH2 " + base64.b64encode(auth.encode()).decode())
                    if code != 235:
                        raise smtplib.SMTPAuthenticationError(code, reply)
                else:
                    server.login(config.smtp_user, password)
            yield server


def send_message(config: MailConfig, password: str | None, message: EmailMessage,
                 handoff: HandoffRecorder | None = None) -> None:
    """Send ``message``, reporting each step of the handoff to ``handoff`` (see the module's docstring)."""
    step: Handoff | None = None

    def record(reached: Handoff | None) -> None:
        nonlocal step
        if handoff is not None:
            handoff(reached)
        step = reached

    try:
        with smtp_session(config, password) as server:
            server.handoff = record
            refused = server.send_message(message)
            record(Handoff.ACCEPTED)
            if refused:  # the others got it: sending again would repeat it to them
                log.warning("reply %s: the server refused some recipients: %s", message["Message-ID"],
                            ", ".join(sorted(refused)))
    except (SmtpRejected, TransientError) as exc:
        if step == Handoff.ACCEPTED:  # a failed QUIT after the 250: the message is sent all the same
            log.info("SMTP session ended badly after the message was accepted: %s", exc)
            return
        if step == Handoff.HANDED:
            if isinstance(exc.__cause__, smtplib.SMTPResponseException):  # the server answered "no" to it
                record(None)
                raise
            raise TransientError(f"the connection to {config.smtp_host} was lost while the server was taking the "
                                 f"reply; it may have been sent: {exc}") from exc
        raise

"""Sends one reply over SMTP (implicit TLS, STARTTLS, or plain on loopback) for the mail connector.

SMTP failures map to the connector contract: a refused login -> AuthError, an unreachable or
temporarily failing server (4xx) -> TransientError, a permanent refusal (5xx) -> SmtpRejected.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from deskapp.connectors.base import AuthError, TransientError
from deskapp.connectors.imap_smtp.config import MailConfig


class SmtpRejected(Exception):
    """The server refused the message for good (bad recipient, policy): a conflict for the agent."""


def send_message(config: MailConfig, password: str | None, message: EmailMessage) -> None:
    host, port, security = config.smtp_host, config.smtp_port, config.smtp_security
    try:
        if security == "tls":
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=config.timeout, context=config.tls_context())
        else:
            server = smtplib.SMTP(host, port, timeout=config.timeout)
        with server:
            server.ehlo()
            if security == "starttls":
                server.starttls(context=config.tls_context())
                server.ehlo()
            if password and server.has_extn("auth"):
                if config.auth == "xoauth2":
                    auth = f"user={config.smtp_user}\x01auth=Bearer {password}\x01\x01"
                    code, reply = server.docmd("AUTH", "XOAUTH2 " + _b64(auth))
                    if code != 235:
                        raise smtplib.SMTPAuthenticationError(code, reply)
                else:
                    server.login(config.smtp_user, password)
            refused = server.send_message(message)
            if refused:
                raise SmtpRejected(f"recipients refused: {', '.join(sorted(refused))}")
    except ssl.SSLCertVerificationError as exc:
        raise AuthError(f"the TLS certificate of {host} is not trusted: {exc.verify_message}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthError(f"the SMTP server refused the login of {config.smtp_user}: {exc}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise SmtpRejected(f"recipients refused: {', '.join(sorted(exc.recipients))}") from exc
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise TransientError(f"SMTP server busy ({exc.smtp_code}): {exc.smtp_error!r}") from exc
        raise SmtpRejected(f"SMTP server refused the message ({exc.smtp_code}): {exc.smtp_error!r}") from exc
    except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError, ssl.SSLError) as exc:
        raise TransientError(f"cannot send through {host}:{port}: {exc}") from exc


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()

"""connectors.imap_smtp.smtp against aiosmtpd: a reply is handed over in two steps (HANDED before the end-of-data
mark, ACCEPTED after the 250), dot-stuffed, and each refusal maps to the connector contract — sign-in (auth),
4xx (try later, handoff cleared), 5xx and refused recipients (a conflict), nothing listening (try later)."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from deskapp.connectors.base import AuthError, TransientError
from deskapp.connectors.imap_smtp.config import MailConfig
from deskapp.connectors.imap_smtp.smtp import SmtpRejected, send_message, smtp_session
from deskapp.domain import Handoff
from tests.mail.conftest import PASSWORD, free_port

USER = "support@shop.example"


def config(port: int) -> MailConfig:
    return MailConfig.from_settings({"host": "127.0.0.1", "user": USER, "security": "plain", "smtp_port": port,
                                     "timeout": 5})


def reply(to: str = "zoe@customer.example", body: str = "Your parcel left today.\n") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = USER, to, "Re: Where is my order?"
    message["Message-ID"] = "<0f8fad5b-d9cb-469f-a165-70867728950e@deskapp>"
    message.set_content(body)
    return message


def test_a_reply_is_handed_then_accepted_and_dot_stuffed(smtp_sink):
    steps: list = []
    send_message(config(smtp_sink.port), PASSWORD, reply(body="Line one\n.\n..two dots\n"), steps.append)
    assert steps == [Handoff.HANDED, Handoff.ACCEPTED]
    [(sender, recipients, data)] = smtp_sink.messages
    assert (sender, recipients) == (USER, ["zoe@customer.example"])
    assert data.endswith(b"\r\n\r\nLine one\r\n.\r\n..two dots\r\n")  # as written, unstuffed by the server
    assert smtp_sink.logins == [USER]


def test_a_wrong_password_is_a_sign_in_problem_and_nothing_is_handed(smtp_sink):
    steps: list = []
    with pytest.raises(AuthError, match=re.escape(f"refused the login of {USER}")):
        send_message(config(smtp_sink.port), "wrong", reply(), steps.append)
    assert steps == [] and smtp_sink.messages == []


def test_a_refused_recipient_is_a_conflict_before_anything_is_handed(smtp_sink):
    steps: list = []
    with pytest.raises(SmtpRejected, match=r"recipients refused: nobody@refused\.example"):
        send_message(config(smtp_sink.port), PASSWORD, reply(to="nobody@refused.example"), steps.append)
    assert steps == [] and smtp_sink.messages == []


def test_a_4xx_to_the_data_is_try_later_with_the_handoff_cleared(smtp_sink):
    smtp_sink.data_reply = "451 4.3.0 try again later"
    steps: list = []
    with pytest.raises(TransientError, match="SMTP server busy \\(451\\)"):
        send_message(config(smtp_sink.port), PASSWORD, reply(), steps.append)
    assert steps == [Handoff.HANDED, None]  # the server said no: certainly not sent


def test_a_5xx_to_the_data_is_a_conflict_with_the_handoff_cleared(smtp_sink):
    smtp_sink.data_reply = "554 5.7.1 message refused by policy"
    steps: list = []
    with pytest.raises(SmtpRejected, match="refused the message \\(554\\)"):
        send_message(config(smtp_sink.port), PASSWORD, reply(), steps.append)
    assert steps == [Handoff.HANDED, None]


def test_a_handoff_that_cannot_be_recorded_sends_nothing(smtp_sink):
    def refuse(step):
        if step == Handoff.HANDED:
            raise OSError("disk full")

    with pytest.raises(TransientError):
        send_message(config(smtp_sink.port), PASSWORD, reply(), refuse)
    assert smtp_sink.messages == []  # the end-of-data mark never went out


def test_nothing_listening_is_try_later():
    port = free_port()
    with pytest.raises(TransientError, match=re.escape(f"cannot send through 127.0.0.1:{port}")):
        send_message(config(port), PASSWORD, reply())


def test_a_session_signs_in_only_with_a_password(smtp_sink):
    with smtp_session(config(smtp_sink.port), PASSWORD) as server:
        assert server.has_extn("auth") and server.noop()[0] == 250
    with smtp_session(config(smtp_sink.port), None) as server:
        assert server.noop()[0] == 250
    assert smtp_sink.logins == [USER]

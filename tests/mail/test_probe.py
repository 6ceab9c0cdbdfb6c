"""connectors.imap_smtp.probe against real Dovecot and aiosmtpd: the connection test signs in to both servers and
sends nothing; each failure says what failed — the sign-in, TLS (an untrusted certificate, no STARTTLS, TLS
spoken to a plain port) or the host (nothing listening)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskapp.connectors.imap_smtp.config import MailConfig
from deskapp.connectors.imap_smtp.probe import AUTH, HOST, TLS, probe_imap, probe_smtp
from tests.mail.conftest import PASSWORD, Dovecot, free_port, make_mail


@pytest.fixture(scope="module")
def tls_dovecot() -> Iterator[Dovecot]:
    server = Dovecot(tls=True).start()
    yield server
    server.stop()


def config(port: int, user: str, *, security: str = "plain", smtp_port: int = 0, **more) -> MailConfig:
    return MailConfig.from_settings({"host": "127.0.0.1", "port": port, "user": user, "security": security,
                                     "smtp_port": smtp_port or free_port(), "timeout": 5, **more})


def test_both_servers_sign_in_and_nothing_is_sent(dovecot, smtp_sink):
    user = "probe-ok@shop.example"
    dovecot.add_user(user)
    client = dovecot.client(user)
    for n in range(2):
        client.append("INBOX", make_mail(message_id=f"<probe{n}@customer.example>"))
    client.logout()
    settings = config(dovecot.port, user, smtp_port=smtp_sink.port)
    imap = probe_imap(settings, PASSWORD)
    smtp = probe_smtp(settings, PASSWORD)
    assert (imap.server, imap.ok, imap.problem) == ("IMAP", True, "")
    assert imap.message == f"signed in as {user}; 2 message(s) in INBOX"
    assert (smtp.ok, smtp.message) == (True, f"signed in as {user}; nothing was sent")
    assert smtp_sink.messages == [] and smtp_sink.logins == [user]


def test_a_wrong_password_is_a_sign_in_problem_on_each_server(dovecot, smtp_sink):
    user = "probe-auth@shop.example"
    dovecot.add_user(user)
    settings = config(dovecot.port, user, smtp_port=smtp_sink.port)
    for result in (probe_imap(settings, "wrong"), probe_smtp(settings, "wrong")):
        assert (result.ok, result.problem) == (False, AUTH)
        assert "refused the sign-in of probe-auth@shop.example" in result.message
    assert smtp_sink.logins == []


def test_nothing_listening_is_a_host_problem():
    settings = config(free_port(), "kim@shop.example")
    imap, smtp = probe_imap(settings, PASSWORD), probe_smtp(settings, PASSWORD)
    assert (imap.ok, imap.problem, smtp.problem) == (False, HOST, HOST)
    assert imap.message.startswith(f"nothing answers on 127.0.0.1:{settings.port}")


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_an_untrusted_certificate_is_a_tls_problem_until_its_ca_is_given(tls_dovecot, security):
    user = f"probe-{security}@shop.example"
    tls_dovecot.add_user(user)
    port = tls_dovecot.tls_port if security == "tls" else tls_dovecot.port
    refused = probe_imap(config(port, user, security=security), PASSWORD)
    assert (refused.ok, refused.problem) == (False, TLS) and "is not trusted" in refused.message
    trusted = probe_imap(config(port, user, security=security, ca_file=str(tls_dovecot.ca_file)), PASSWORD)
    assert trusted.ok, trusted.message


def test_starttls_asked_of_a_server_without_it_is_a_tls_problem(dovecot, smtp_sink):
    user = "probe-nostarttls@shop.example"
    dovecot.add_user(user)
    settings = config(dovecot.port, user, security="starttls", smtp_port=smtp_sink.port)
    imap, smtp = probe_imap(settings, PASSWORD), probe_smtp(settings, PASSWORD)
    assert (imap.ok, imap.problem) == (False, TLS) and (smtp.ok, smtp.problem) == (False, TLS)
    assert smtp_sink.logins == []  # the password never crossed in clear


def test_tls_spoken_to_a_plain_port_is_a_tls_problem_that_names_the_ports(dovecot):
    user = "probe-wrongport@shop.example"
    dovecot.add_user(user)
    result = probe_imap(config(dovecot.port, user, security="tls"), PASSWORD)
    assert (result.ok, result.problem) == (False, TLS)
    assert result.message.startswith(f"TLS with 127.0.0.1:{dovecot.port} failed (")
    assert "TLS: 993 and 465, STARTTLS: 143 and 587" in result.message

"""connectors.imap_smtp.config: a mailbox's settings read with their defaults, checked once (plain text only on
loopback, known security and sign-in methods, host and user required) and written back unchanged."""

from __future__ import annotations

import ssl

import pytest

from deskapp.connectors.imap_smtp.config import ConfigError, MailConfig, is_loopback

BASE = {"host": "imap.example.com", "user": "support@example.com"}


def test_defaults_are_tls_on_the_standard_ports():
    config = MailConfig.from_settings(BASE)
    assert (config.security, config.port, config.smtp_host, config.smtp_security, config.smtp_port) == (
        "tls", 993, "imap.example.com", "tls", 465)
    assert config.smtp_user == "support@example.com" and config.folders == ("INBOX", "Sent")
    assert config.auth == "password" and config.append_to_sent and config.timeout == 30.0


def test_starttls_takes_its_ports_and_smtp_follows_imap():
    config = MailConfig.from_settings({**BASE, "security": "STARTTLS", "sent_folder": "Sent Items"})
    assert (config.port, config.smtp_security, config.smtp_port) == (143, "starttls", 587)
    assert config.folders == ("INBOX", "Sent Items") and config.sent_folder == "Sent Items"


def test_everything_named_is_kept_and_written_back():
    settings = {**BASE, "port": 1993, "security": "tls", "email": "Help@Example.com", "display_name": "Help",
                "auth": "xoauth2", "smtp_host": "smtp.example.com", "smtp_port": 2465, "smtp_security": "starttls",
                "smtp_user": "relay", "folders": ["INBOX", "Archive", "Sent"], "sent_folder": "Sent",
                "append_to_sent": False, "max_attachment_bytes": 1024, "timeout": 5, "ca_file": "/etc/ca.pem",
                "x_note": "kept aside", "unknown": "dropped"}
    config = MailConfig.from_settings(settings)
    assert config.extra == {"x_note": "kept aside"}
    written = config.as_settings()
    assert written == {k: v for k, v in settings.items() if k not in ("x_note", "unknown")} | {
        "timeout": 5.0, "folders": ["INBOX", "Archive", "Sent"]}
    assert MailConfig.from_settings(written) == MailConfig.from_settings({**written})


@pytest.mark.parametrize(("email", "user", "own"), [
    ("Help@Example.com", "login", "help@example.com"), ("", "Ann@Example.com", "ann@example.com"), ("", "ann", "")])
def test_own_address(email, user, own):
    assert MailConfig("imap.example.com", 993, user, email=email, smtp_security="tls").own_address == own


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.5.5", "::1", "localhost", "localhost.localdomain"])
def test_plain_text_is_allowed_on_loopback(host):
    config = MailConfig.from_settings({**BASE, "host": host, "security": "plain"})
    assert (config.port, config.smtp_port) == (143, 25)


@pytest.mark.parametrize("host", ["192.0.2.10", "10.0.0.5", "::ffff:192.0.2.10", "2001:db8::1"])
def test_plain_text_off_loopback_is_refused(host):
    with pytest.raises(ConfigError, match="plain-text IMAP is only allowed on a loopback address"):
        MailConfig.from_settings({**BASE, "host": host, "security": "plain"})


def test_plain_smtp_off_loopback_is_refused_even_when_imap_is_local():
    with pytest.raises(ConfigError, match="plain-text SMTP"):
        MailConfig.from_settings({**BASE, "host": "127.0.0.1", "security": "plain", "smtp_host": "192.0.2.10"})


@pytest.mark.parametrize(("settings", "why"), [
    ({**BASE, "security": "ssl"}, "IMAP security must be one of tls, starttls, plain, not 'ssl'"),
    ({**BASE, "smtp_security": "none"}, "SMTP security must be one of"),
    ({**BASE, "auth": "kerberos"}, "unknown auth 'kerberos'"),
    ({"user": "a@example.com"}, "host and user are required"),
    ({"host": "imap.example.com"}, "host and user are required"),
    ({"host": "", "user": ""}, "host and user are required"),
])
def test_settings_that_cannot_work_are_refused(settings, why):
    with pytest.raises(ConfigError, match=why):
        MailConfig.from_settings(settings)


@pytest.mark.parametrize("bad", [{"port": "imap"}, {"timeout": "soon"}, {"smtp_port": [25]}])
def test_a_value_of_the_wrong_type_is_refused(bad):
    with pytest.raises((ValueError, TypeError)):
        MailConfig.from_settings({**BASE, **bad})


def test_tls_context_verifies_and_needs_tls_1_2():
    context = MailConfig.from_settings(BASE).tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_a_missing_ca_file_is_an_error_not_a_silent_fallback(tmp_path):
    with pytest.raises(OSError):
        MailConfig.from_settings({**BASE, "ca_file": str(tmp_path / "none.pem")}).tls_context()


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("::1", True), ("192.0.2.1", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback

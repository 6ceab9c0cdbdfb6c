"""connectors.imap_smtp.imap against real Dovecot: a session signs in on first use, selects folders read-only
(a missing one is None), reconnects once into the selected folder when the server drops it, and maps failures to
the connector contract — a refused login or untrusted certificate (auth), nothing listening (try later), a
command the server refuses (payload)."""

from __future__ import annotations

import re

import pytest

from deskapp.connectors.base import AuthError, PayloadError, TransientError
from deskapp.connectors.imap_smtp.config import MailConfig
from deskapp.connectors.imap_smtp.imap import ImapSession
from tests.mail.conftest import PASSWORD, free_port, make_mail


def session(port: int, user: str, password: str = PASSWORD, **settings) -> ImapSession:
    config = MailConfig.from_settings({"host": "127.0.0.1", "port": port, "user": user, "security": "plain",
                                       "timeout": 5, **settings})
    return ImapSession(config, lambda: password)


@pytest.fixture
def mailbox(dovecot):
    user = f"imap-{free_port()}@shop.example"
    dovecot.add_user(user)
    client = dovecot.client(user)
    for n in range(3):
        client.append("INBOX", make_mail(message_id=f"<imap{n}@customer.example>"))
    client.logout()
    return user


def test_a_folder_is_selected_read_only_and_a_missing_one_is_none(dovecot, mailbox):
    imap = session(dovecot.port, mailbox)
    try:
        info = imap.select("INBOX")
        assert info[b"EXISTS"] == 3 and imap.selected == "INBOX" and info[b"READ-ONLY"] == [b""]
        assert imap.select("No Such Folder") is None and imap.selected == "INBOX"
        assert imap.condstore  # Dovecot offers CONDSTORE
        assert sorted(imap.run(lambda c: c.search(["ALL"]))) == [1, 2, 3]
    finally:
        imap.close()
    assert imap.selected is None
    imap.close()  # closing twice is harmless


def test_a_dropped_connection_is_reopened_once_in_the_selected_folder(dovecot, mailbox):
    imap = session(dovecot.port, mailbox)
    try:
        imap.select("INBOX")
        dovecot.doveadm("kick", mailbox)  # the server drops every session of the user
        assert sorted(imap.run(lambda c: c.search(["ALL"]))) == [1, 2, 3]  # a search needs the folder
        assert imap.selected == "INBOX"
    finally:
        imap.close()


def test_a_connection_that_keeps_dropping_is_try_later(dovecot, mailbox):
    imap = session(dovecot.port, mailbox)
    calls = []

    def drops(_client):
        calls.append(1)
        raise ConnectionResetError("reset by peer")

    try:
        with pytest.raises(TransientError, match="IMAP connection lost: reset by peer"):
            imap.run(drops)
        assert len(calls) == 2 and imap.selected is None
    finally:
        imap.close()


def test_a_wrong_password_is_an_auth_error(dovecot, mailbox):
    with pytest.raises(AuthError, match=re.escape(f"the mail server refused the login of {mailbox}")):
        session(dovecot.port, mailbox, password="wrong").select("INBOX")


def test_nothing_listening_is_try_later():
    port = free_port()
    with pytest.raises(TransientError, match=re.escape(f"cannot reach 127.0.0.1:{port}")):
        session(port, "kim@shop.example").select("INBOX")


def test_a_command_the_server_refuses_is_a_payload_error_and_the_session_stays(dovecot, mailbox):
    imap = session(dovecot.port, mailbox)
    try:
        imap.select("INBOX")
        with pytest.raises(PayloadError, match="IMAP command failed"):
            imap.run(lambda c: c.search(["NOT-A-SEARCH-KEY"]))
        assert len(imap.run(lambda c: c.search(["ALL"]))) == 3
    finally:
        imap.close()

"""services.mail_accounts below the dialog: editing the sign-in method moves the keyring entry, only mailboxes
are edited as mailboxes, and a server that never answers or a name that does not resolve is a server problem."""

from __future__ import annotations

import socket

import pytest

from deskapp.connectors.base import TransientError
from deskapp.connectors.imap_smtp.probe import HOST, _failed
from deskapp.services import accounts as account_service
from deskapp.services.mail_accounts import MailAccountError, add_imap_account, check_mailbox, update_imap_account
from tests.mail.helpers import workspace

FIELDS = {"host": "127.0.0.1", "port": 1143, "user": "kim@shop.example", "security": "plain", "smtp_port": 1025}


def test_switching_to_xoauth2_moves_the_secret_and_needs_the_token(db):
    ws = workspace(db)
    account_id = add_imap_account(ws, secret="pw", name="Kim", **FIELDS)
    assert ws.secrets.get(account_id, "password") == "pw"
    with pytest.raises(MailAccountError, match="needs its token"):
        update_imap_account(ws, account_id, **{**FIELDS, "auth": "xoauth2"})
    assert account_service.get_account(ws, account_id).settings["auth"] == "password"  # nothing changed
    update_imap_account(ws, account_id, secret="ya29.token", name="Kim", **{**FIELDS, "auth": "xoauth2"})
    assert ws.secrets.get(account_id, "oauth2") == "ya29.token" and ws.secrets.get(account_id, "password") is None
    assert account_service.get_account(ws, account_id).settings["auth"] == "xoauth2"
    with pytest.raises(MailAccountError, match="loopback"):
        update_imap_account(ws, account_id, **{**FIELDS, "host": "192.0.2.7"})


def test_only_mailboxes_are_edited_as_mailboxes(db):
    ws = workspace(db)
    hub = account_service.add_account(ws, "chatwoot", "Hub", "http://127.0.0.1:9", "tok", {"account_id": 1})
    with pytest.raises(MailAccountError, match="not a mailbox"):
        update_imap_account(ws, hub, secret="pw", **FIELDS)


def test_a_server_that_never_answers_is_named_with_its_port(db):
    ws = workspace(db)
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        check = check_mailbox(ws, secret="pw", **{**FIELDS, "port": port, "smtp_port": port, "timeout": 1})
    assert not check.ok
    assert [(r.server, r.problem) for r in check.results] == [("IMAP", HOST), ("SMTP", HOST)]
    assert all(f"no answer from 127.0.0.1:{port} within 1 s" in r.message for r in check.results)


def test_an_unknown_server_name_is_a_server_problem():
    """Resolving a name that does not exist would ask the network's DNS: the failure it gives is built here."""
    unknown = socket.gaierror(-2, "Name or service not known")
    try:
        raise TransientError("cannot reach no-such-host.invalid:993") from unknown
    except TransientError as exc:
        result = _failed("IMAP", "no-such-host.invalid", 993, "kim", 30.0, exc)
    assert result.problem == HOST and result.message == (
        "the server name no-such-host.invalid is unknown (Name or service not known)")


def test_nothing_to_test_without_a_secret(db):
    ws = workspace(db)
    check = check_mailbox(ws, secret="", **FIELDS)
    assert not check.ok and check.results[0].message == "the password is empty"

"""cli.mail_account: `deskapp account add imap` keeps the mailbox's settings in the profile and its password (or
XOAUTH2 token) only in the keyring; an empty password, plain text off loopback, unknown choices are refused."""

from __future__ import annotations

import io
import json
import sys

import pytest

from deskapp import cli
from deskapp.bootstrap import open_workspace
from deskapp.services import accounts as account_service


def run(capsys, monkeypatch, data_dir, *args, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))  # not a terminal: the password is read from it
    code = cli.main(["--data-dir", str(data_dir), "account", "add", "imap", *args])
    out, err = capsys.readouterr()
    return code, out, err


def stored(data_dir):
    ws = open_workspace(data_dir)
    try:
        [account] = account_service.list_accounts(ws)
        return account, ws.secrets.get(account.id, "password"), ws.secrets.get(account.id, "oauth2"), (
            ws.paths.profile_db.read_bytes() + ws.paths.cache_db.read_bytes())
    finally:
        ws.close()


def test_a_mailbox_is_added_with_its_password_only_in_the_keyring(capsys, monkeypatch, data_dir):
    code, out, err = run(capsys, monkeypatch, data_dir, "--host", "imap.example.com", "--user", "help@example.com",
                         "--security", "starttls", "--folders", "INBOX", "Archive", "Sent", "--name", "Help desk",
                         stdin="s3cret-Passw0rd\r\n")
    assert code == 0, err
    account, password, token, files = stored(data_dir)
    assert out.strip() == str(account.id) and account.name == "Help desk" and str(account.kind) == "imap_smtp"
    settings = account.settings
    assert (settings["host"], settings["port"], settings["security"], settings["smtp_port"]) == (
        "imap.example.com", 143, "starttls", 587)
    assert settings["email"] == "help@example.com"  # the login is an address: it is the mailbox's
    assert settings["folders"] == ["INBOX", "Archive", "Sent"]
    assert password == "s3cret-Passw0rd" and token is None  # the line end is not part of it
    assert b"s3cret-Passw0rd" not in files


def test_an_xoauth2_token_goes_to_its_own_keyring_entry(capsys, monkeypatch, data_dir):
    code, _, err = run(capsys, monkeypatch, data_dir, "--host", "imap.example.com", "--user", "login-name",
                       "--auth", "xoauth2", "--email", "Desk@Example.com", stdin="ya29.token\n")
    assert code == 0, err
    account, password, token, _ = stored(data_dir)
    assert token == "ya29.token" and password is None
    assert account.settings["auth"] == "xoauth2" and account.name == "desk@example.com"


@pytest.mark.parametrize("stdin", ["", "\n", "   \n"])
def test_an_empty_password_is_refused_and_nothing_added(capsys, monkeypatch, data_dir, stdin):
    code, out, err = run(capsys, monkeypatch, data_dir, "--host", "imap.example.com", "--user", "a@example.com",
                         stdin=stdin)
    assert (code, out) == (2, "") and err.startswith("deskapp: no password given")
    assert cli.main(["--data-dir", str(data_dir), "account", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_plain_text_off_loopback_is_refused_with_the_reason(capsys, monkeypatch, data_dir):
    code, _, err = run(capsys, monkeypatch, data_dir, "--host", "192.0.2.10", "--user", "a@example.com",
                       "--security", "plain", stdin="pw\n")
    assert code == 2 and err.startswith("deskapp: ") and "loopback" in err


@pytest.mark.parametrize("args", [
    ["--host", "imap.example.com"],  # no --user
    ["--host", "imap.example.com", "--user", "a", "--security", "ssl"],
    ["--host", "imap.example.com", "--user", "a", "--port", "imaps"],
    ["--host", "imap.example.com", "--user", "a", "--auth", "kerberos"],
])
def test_arguments_argparse_refuses(capsys, monkeypatch, data_dir, args):
    with pytest.raises(SystemExit) as refused:
        run(capsys, monkeypatch, data_dir, *args, stdin="pw\n")
    assert refused.value.code == 2 and "usage:" in capsys.readouterr().err

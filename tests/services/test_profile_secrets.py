"""Each data folder's secrets are its own, in the real keyring: two folders with an account 1 each keep two
tokens, removing one (or running the demo in one) leaves the other alone, and a folder from before secrets
were scoped takes its unscoped entries over on its first start, once."""

from __future__ import annotations

import io
import logging
import sqlite3
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from deskapp import bootstrap, cli
from deskapp.credentials.keyring_store import SERVICE, unscoped_key
from deskapp.services import accounts, demo_workspace
from deskapp.store import profile_identity
from deskapp.store import profile_records as records
from tests.demo.conftest import PINNED_NOW
from tests.store.test_profile_carry_over import _old_cache


def _unscoped(account_id: int, kind: str = "token") -> str | None:
    return keyring.get_password(SERVICE, unscoped_key(account_id, kind))


def _put_unscoped(account_id: int, secret: str, kind: str = "token") -> None:
    keyring.set_password(SERVICE, unscoped_key(account_id, kind), secret)


@pytest.fixture(autouse=True)
def _no_unscoped_entries_around():
    """Unscoped entries live beside every test's own in the session keyring: none before, none left after."""
    def clear():
        for account_id in range(6):
            for kind in ("token", "password", "oauth2", "llm"):
                if _unscoped(account_id, kind) is not None:
                    keyring.delete_password(SERVICE, unscoped_key(account_id, kind))
    clear()
    yield
    clear()


def _add_by_cli(folder: Path, token: str, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(token + "\n"))
    assert cli.main(["--data-dir", str(folder), "account", "add", "chatwoot", "--url", "https://hub.example",
                     "--account-id", "1"]) == 0


def _token(folder: Path, account_id: int = 1, kind: str = "token") -> str | None:
    ws = bootstrap.open_workspace(folder)
    try:
        return ws.secrets.get(account_id, kind)
    finally:
        ws.close()


def _old_folder(folder: Path, kinds: list[str], *, ai_endpoint: bool = False) -> list[int]:
    """A data folder as the previous deskapp left it: accounts in the profile (ids from 1), no identity;
    their secrets were under the unscoped names, which the caller puts in the keyring."""
    ws = bootstrap.open_workspace(folder)
    try:
        with ws.profile.write() as conn:
            ids = [records.insert_account(conn, kind, f"{kind} {i}", "https://hub.example")
                   for i, kind in enumerate(kinds)]
            if ai_endpoint:
                records.put_setting(conn, "copilot.llm.url", "http://127.0.0.1:8/v1")
    finally:
        ws.close()
    raw = sqlite3.connect(folder / "profile.sqlite3")
    with raw:
        raw.execute("DELETE FROM meta WHERE key = ?", (profile_identity.PROFILE_ID,))
    raw.close()
    return ids


def _claims(ws) -> list[int]:
    with ws.profile.read() as conn:
        return profile_identity.unscoped_claims(conn)


def test_two_data_folders_keep_their_own_account_1_and_removing_one_leaves_the_other(tmp_path, monkeypatch,
                                                                                     capsys):
    mine, other = tmp_path / "mine", tmp_path / "other"
    _add_by_cli(mine, "my-real-token", monkeypatch)
    _add_by_cli(other, "second-workspace-token", monkeypatch)
    assert (_token(mine), _token(other)) == ("my-real-token", "second-workspace-token")
    assert _unscoped(1) is None

    assert cli.main(["--data-dir", str(other), "account", "remove", "1"]) == 0
    assert "removed account 1" in capsys.readouterr().out
    assert (_token(mine), _token(other)) == ("my-real-token", None)


def test_the_demo_in_one_folder_leaves_another_folders_token_alone(tmp_path, monkeypatch):
    mine, demo_folder = tmp_path / "mine", tmp_path / "demo"
    _add_by_cli(mine, "my-real-token", monkeypatch)
    ws = bootstrap.open_workspace(demo_folder)
    try:
        demo = demo_workspace.start_demo(ws, live=False, now=PINNED_NOW)
        try:
            assert demo.chatwoot_account_id == 1  # the same account id as the real folder's hub
            assert ws.secrets.get(1) == demo.info["chatwoot_token"]
            demo_workspace.switch_demo_role(ws, demo, "supervisor")
            assert ws.secrets.get(1) == demo.info["supervisor_token"]
        finally:
            demo.stop()
        assert _token(mine) == "my-real-token"
        for account in accounts.list_accounts(ws):
            accounts.remove_account(ws, account.id)
        assert ws.secrets.get(1) is None
    finally:
        ws.close()
    assert _token(mine) == "my-real-token" and _unscoped(1) is None


def test_a_folder_from_before_scoping_takes_its_unscoped_secrets_on_its_first_start(tmp_path, caplog):
    folder = tmp_path / "data"
    hub, mailbox = _old_folder(folder, ["chatwoot", "imap_smtp"], ai_endpoint=True)
    _put_unscoped(hub, "old-hub-token")
    _put_unscoped(mailbox, "old-mailbox-password", "password")
    _put_unscoped(0, "old-ai-key", "llm")
    _put_unscoped(mailbox, "another-folders-hub-token")  # a mailbox never had a token: not this folder's

    with caplog.at_level(logging.INFO, logger="deskapp"):
        ws = bootstrap.open_workspace(folder)
    try:
        assert ws.secrets.get(hub) == "old-hub-token"
        assert ws.secrets.get(mailbox, "password") == "old-mailbox-password"
        assert ws.secrets.get(0, "llm") == "old-ai-key"
        assert (_unscoped(hub), _unscoped(mailbox, "password"), _unscoped(0, "llm")) == (None, None, None)
        assert _unscoped(mailbox) == "another-folders-hub-token" and ws.secrets.get(mailbox) is None
        assert _claims(ws) == []
        assert "moved under this data folder's keyring names" in caplog.text
        assert "old-hub-token" not in caplog.text
    finally:
        ws.close()
    assert _token(folder) == "old-hub-token"  # the next start reads the folder's own entry


def test_when_two_old_folders_claim_one_entry_the_first_to_start_takes_it_and_a_new_folder_none(tmp_path,
                                                                                              monkeypatch):
    first, second, hub_and_mailbox = tmp_path / "first", tmp_path / "second", tmp_path / "mailbox"
    _old_folder(first, ["chatwoot"])
    _old_folder(second, ["chatwoot"])
    _old_folder(hub_and_mailbox, ["imap_smtp"])
    _put_unscoped(1, "last-written-hub-token")
    _put_unscoped(1, "mailbox-password", "password")

    fresh = tmp_path / "fresh"  # made since the upgrade: it claims nothing
    _add_by_cli(fresh, "fresh-token", monkeypatch)
    assert _unscoped(1) == "last-written-hub-token"

    assert _token(first) == "last-written-hub-token"
    ws = bootstrap.open_workspace(second)
    try:
        assert ws.secrets.get(1) is None  # taken by the first: this hub asks for its token again
        assert _claims(ws) == []
    finally:
        ws.close()
    # Account 1 was a mailbox there: its password was never the hubs' to take.
    assert _token(hub_and_mailbox, kind="password") == "mailbox-password"
    assert (_token(fresh), _token(first), _unscoped(1), _unscoped(1, "password")) == \
        ("fresh-token", "last-written-hub-token", None, None)


def test_a_keyring_that_fails_at_start_keeps_the_claims_for_the_next_start(tmp_path, caplog):
    folder = tmp_path / "data"
    [hub] = _old_folder(folder, ["chatwoot"])
    _put_unscoped(hub, "old-hub-token")
    usual = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with caplog.at_level(logging.WARNING, logger="deskapp"):
            ws = bootstrap.open_workspace(folder)  # starts all the same
        try:
            assert _claims(ws) == [hub]
            assert "stay where they are until the next start" in caplog.text
        finally:
            ws.close()
    finally:
        keyring.set_keyring(usual)
    assert _unscoped(hub) == "old-hub-token"
    assert _token(folder) == "old-hub-token" and _unscoped(hub) is None


def test_accounts_carried_over_from_a_pre_profile_cache_take_their_unscoped_secrets(data_dir):
    _old_cache(data_dir / "cache.sqlite3")  # accounts 3 (a hub) and 5 (a mailbox), an AI endpoint set up
    _put_unscoped(3, "hub-token")
    _put_unscoped(5, "mail-password", "password")
    _put_unscoped(0, "ai-key", "llm")
    ws = bootstrap.open_workspace(data_dir)
    try:
        assert sorted(a.id for a in accounts.list_accounts(ws)) == [3, 5]
        assert (ws.secrets.get(3), ws.secrets.get(5, "password"), ws.secrets.get(0, "llm")) == \
            ("hub-token", "mail-password", "ai-key")
        assert (_unscoped(3), _unscoped(5, "password"), _unscoped(0, "llm")) == (None, None, None)
    finally:
        ws.close()

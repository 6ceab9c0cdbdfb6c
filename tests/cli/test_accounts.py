"""`deskapp account` end to end: chatwoot and shopify accounts added with the token read from stdin, listed
without their tokens, removed; an empty token and a URL that is not http are refused."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_sync import run
from tests.sync.demo_fixture import fast_demo_server


@pytest.fixture(scope="module")
def demo():
    with fast_demo_server(seed=3) as (server, info):
        yield server, info


def _add_both(capsys, monkeypatch, data_dir, info) -> None:
    code, out, err = run(capsys, monkeypatch, data_dir, "account", "add", "chatwoot", "--url", info["url"],
                         "--account-id", str(info["chatwoot_account_id"]), "--name", "Support",
                         stdin=info["chatwoot_token"] + "\n")
    assert code == 0, err
    assert out.strip() == "1"
    code, out, err = run(capsys, monkeypatch, data_dir, "account", "add", "shopify", "--shop", info["shop_url"],
                         stdin=info["shopify_token"] + "\n")
    assert code == 0 and out.strip() == "2", err


def test_account_verbs(capsys, monkeypatch, data_dir, demo):
    _server, info = demo
    _add_both(capsys, monkeypatch, data_dir, info)
    code, out, _ = run(capsys, monkeypatch, data_dir, "account", "list", "--json")
    listed = json.loads(out)
    assert (listed[0]["id"], listed[0]["kind"], listed[0]["name"]) == (1, "chatwoot", "Support")
    assert info["chatwoot_token"] not in out and info["shopify_token"] not in out
    code, out, _ = run(capsys, monkeypatch, data_dir, "account", "remove", "2")
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, data_dir, "account", "list", "--json")
    assert [a["id"] for a in json.loads(out)] == [1]
    code, _, err = run(capsys, monkeypatch, data_dir, "account", "remove", "2")
    assert code == 2 and "no account" in err


def test_account_add_refuses_an_empty_token_and_a_bad_url(capsys, monkeypatch, data_dir):
    code, _, err = run(capsys, monkeypatch, data_dir, "account", "add", "shopify", "--shop", "http://127.0.0.1:1",
                       stdin="\n")
    assert code == 2 and "token" in err
    code, _, err = run(capsys, monkeypatch, data_dir, "account", "add", "chatwoot", "--url", "nonsense",
                       "--account-id", "1", stdin="tok\n")
    assert code == 2 and "http" in err

"""End to end through the CLI: the real demo server, the real connectors, the real keyring, `deskapp ...`."""

from __future__ import annotations

import io
import json
import sys

import pytest

from deskapp import cli
from tests.sync.demo_fixture import fast_demo_server


@pytest.fixture(scope="module")
def demo():
    with fast_demo_server(seed=3) as (server, info):
        yield server, info


@pytest.fixture(scope="module")
def synced(demo, tmp_path_factory):
    """A data folder with both demo accounts added through the CLI and synced once: (folder, code, out, err)."""
    import contextlib

    _server, info = demo
    folder = tmp_path_factory.mktemp("synced")
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        mp.setattr(sys, "stdin", io.StringIO(info["chatwoot_token"] + "\n"))
        assert cli.main(["--data-dir", str(folder), "account", "add", "chatwoot", "--url", info["url"],
                         "--account-id", str(info["chatwoot_account_id"])]) == 0
        mp.setattr(sys, "stdin", io.StringIO(info["shopify_token"] + "\n"))
        assert cli.main(["--data-dir", str(folder), "account", "add", "shopify", "--shop", info["shop_url"]]) == 0
        out.truncate(0)
        code = cli.main(["--data-dir", str(folder), "sync", "--once"])
    return folder, code, out.getvalue(), err.getvalue()


def run(capsys, monkeypatch, data_dir, *args, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sync_without_accounts_says_so(capsys, monkeypatch, data_dir):
    code, _, err = run(capsys, monkeypatch, data_dir, "sync", "--once")
    assert code == 2 and "no accounts" in err


def test_sync_once_then_stats_match_the_server(capsys, monkeypatch, demo, synced):
    server, _info = demo
    data_dir, code, out, err = synced
    assert code == 0, out + err
    assert "account 1 (chatwoot): online" in out and "account 2 (shopify): online" in out
    assert "pulling conversations" in err  # progress goes to stderr
    code, out, _ = run(capsys, monkeypatch, data_dir, "stats", "--json")
    stats = json.loads(out)
    counts = server.state.stats()["counts"]
    assert stats["conversations"] == counts["conversations"]
    assert stats["messages"] == counts["messages"]
    assert stats["orders"] == counts["orders"]
    # One customer per person across channels and the shop, wherever an email or phone links them.
    # Contacts known only by a social handle carry no identity to match on: each stays a customer
    # of its own (a fuzzy match at most, never an automatic merge).
    world = server.state.world
    handle_only = [c for c in world.contacts if not c.email and not c.phone]
    assert stats["customers"] == counts["customers"] + len(handle_only)
    assert stats["customers"] == counts.get("customers_after_exact_merge", stats["customers"])  # the server agrees
    _assert_people_merged(data_dir, world)
    assert [a["state"] for a in stats["accounts"]] == ["online", "online"]
    assert all(a["last_sync"] for a in stats["accounts"])
    # a second pass changes nothing
    code, out, _ = run(capsys, monkeypatch, data_dir, "sync", "--once", "--json")
    assert code == 0 and all(json.loads(line)["new_messages"] == 0 for line in out.splitlines())
    code, again, _ = run(capsys, monkeypatch, data_dir, "stats", "--json")
    assert {k: v for k, v in json.loads(again).items() if k != "accounts"} == {
        k: v for k, v in stats.items() if k != "accounts"}


def _assert_people_merged(data_dir, world) -> None:
    import sqlite3

    conn = sqlite3.connect(data_dir / "cache.sqlite3")
    try:
        by_contact = dict(conn.execute(
            "SELECT c.external_id, c.customer_id FROM contact c JOIN account a ON a.id = c.account_id"
            " WHERE a.kind = 'chatwoot'").fetchall())
        by_email = dict(conn.execute("SELECT value, customer_id FROM customer_identity WHERE kind = 'email'"))
        shop_linked = conn.execute(
            "SELECT count(DISTINCT c.customer_id) FROM contact c JOIN account a ON a.id = c.account_id"
            " WHERE a.kind = 'shopify' AND c.customer_id IN (SELECT customer_id FROM contact c2"
            " JOIN account a2 ON a2.id = c2.account_id WHERE a2.kind = 'chatwoot')").fetchone()[0]
    finally:
        conn.close()
    for contact in world.contacts:
        if contact.email or contact.phone:
            person = world.people[contact.person_idx]
            assert by_contact[str(contact.id)] == by_email[person.email.lower()], (contact, person)
    assert shop_linked > 0  # shop customers and chat contacts are the same people


def test_search_verb_finds_synced_text_and_orders(capsys, monkeypatch, synced):
    data_dir = synced[0]
    code, out, _ = run(capsys, monkeypatch, data_dir, "search", "ord", "--json", "--limit", "5")
    hits = json.loads(out)
    assert code == 0 and 0 < len(hits) <= 5 and all(h["conversation_id"] for h in hits if h["kind"] == "message")
    import sqlite3

    conn = sqlite3.connect(data_dir / "cache.sqlite3")
    number = conn.execute('SELECT number FROM "order" ORDER BY id LIMIT 1').fetchone()[0]
    conn.close()
    code, out, _ = run(capsys, monkeypatch, data_dir, "search", number.lstrip("#"), "--json")
    assert json.loads(out)[0]["kind"] == "order" and number in json.loads(out)[0]["snippet"]
    code, out, _ = run(capsys, monkeypatch, data_dir, "search", 'NEAR("where -is*', "--json")
    assert code == 0 and isinstance(json.loads(out), list)


def test_sync_loop_runs_until_ctrl_c(synced):
    import os
    import signal
    import subprocess
    import time

    data_dir = synced[0]
    # As from a terminal: Ctrl+C raises KeyboardInterrupt even when this run inherited SIGINT ignored (a shell
    # starts a background job so, and Python then leaves it ignored). PYTHONFAULTHANDLER: if it does not stop,
    # SIGABRT makes it print every thread's stack for the report.
    as_from_a_terminal = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler);"
                          " sys.argv[0] = 'deskapp'; runpy.run_module('deskapp', run_name='__main__')")
    proc = subprocess.Popen([sys.executable, "-c", as_from_a_terminal, "--data-dir", str(data_dir), "sync",
                             "--interval", "0.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    try:
        seen, deadline = 0, time.monotonic() + 60
        while seen < 4 and time.monotonic() < deadline:  # two passes of each account
            line = proc.stderr.readline()
            seen += ": online: synced" in line
        assert seen >= 4
        proc.send_signal(signal.SIGINT)
        try:
            # The engine gives a pass 30 s to finish its page, each hub socket 5 s to close: within a minute.
            out, _err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            _out, err = proc.communicate(timeout=30)
            pytest.fail(f"`deskapp sync` still ran a minute after Ctrl+C; its threads:\n{err[-8000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "account 1 (chatwoot): online" in out and "account 2 (shopify): online" in out

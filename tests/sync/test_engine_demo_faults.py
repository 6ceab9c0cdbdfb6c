"""The engine with the real connectors against the demo server's fault switches: states, and no lost rows."""

from __future__ import annotations

import threading
import time

import pytest

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.http import HttpClient
from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind, Connectivity, OutboxState
from deskapp.store import accounts as account_store
from deskapp.sync.engine import SyncEngine
from tests.faults.stack import Stack, server_markers
from tests.sync.demo_fixture import fast_demo_server

# The connectors here are given their tokens directly: nothing reads this profile's keyring entries.
NO_SECRETS = SecretStore("sync-tests")


@pytest.fixture(scope="module")
def demo():
    with fast_demo_server(seed=11) as (server, info):
        yield server, info


def _registry(tokens: dict[int, str]):
    def chatwoot(account, _secrets):
        http = HttpClient(account.base_url, {"api_access_token": tokens[account.id]}, timeout=(1, 1),
                          max_attempts=3, backoff_cap=0.05, backoff_base=0.01, max_wait=0.05)
        return ChatwootConnector(account.base_url, account.settings["account_id"], tokens[account.id], http=http)

    return {AccountKind.CHATWOOT: chatwoot}


def _setup(db, info, tokens: list[str]) -> tuple[SyncEngine, list[int]]:
    ids = []
    with db.write() as conn:
        for _ in tokens:
            ids.append(account_store.insert_account(conn, "chatwoot", "cw", info["url"],
                                                    {"account_id": info["chatwoot_account_id"]}))
    return SyncEngine(db, NO_SECRETS, registry=_registry(dict(zip(ids, tokens, strict=True)))), ids


def _counts(db, account_id):
    with db.read() as conn:
        return conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM conversation WHERE account_id = ?),"
            " (SELECT count(*) FROM message WHERE account_id = ?),"
            " (SELECT count(DISTINCT external_id) FROM message WHERE account_id = ?)",
            (account_id, account_id, account_id)).one()


def _expect_complete(db, account_id, server):
    counts = server.state.stats()["counts"]
    assert tuple(_counts(db, account_id)) == (counts["conversations"], counts["messages"], counts["messages"])


def test_bad_token_outage_revoked_token_and_recovery(db, demo):
    server, info = demo
    engine, (aid, bad) = _setup(db, info, [info["chatwoot_token"], "not-a-token"])
    server.set_faults(outage=True, scope="chatwoot")
    try:
        assert engine.sync_account_once(aid).state == Connectivity.OFFLINE
    finally:
        server.set_faults()
    # a bad credential stops that account only
    assert [s.state for s in engine.sync_all_once()] == [Connectivity.ONLINE, Connectivity.AUTH_NEEDED]
    _expect_complete(db, aid, server)
    with db.read() as conn:
        assert account_store.get_account(conn, bad).last_error
    server.set_faults(revoke_tokens=True, scope="chatwoot")
    try:
        assert engine.sync_account_once(aid).state == Connectivity.AUTH_NEEDED
    finally:
        server.set_faults()
    assert engine.sync_account_once(aid).state == Connectivity.ONLINE


def test_five_hundreds_during_a_full_sync_lose_and_duplicate_nothing(db, demo):
    server, info = demo
    engine, (aid,) = _setup(db, info, [info["chatwoot_token"]])
    server.set_faults(scope="chatwoot", error_rate=0.3)
    try:
        first = engine.sync_account_once(aid)
    finally:
        server.set_faults()
    assert first.state in (Connectivity.DEGRADED, Connectivity.OFFLINE, Connectivity.ONLINE)
    _settle(engine, db, aid)
    _expect_complete(db, aid, server)


def test_broken_answers_and_rate_limits_then_recovery(db, demo):
    server, info = demo
    engine, (aid,) = _setup(db, info, [info["chatwoot_token"]])
    for faults in ({"truncate_json": True}, {"reset_mid_body": True}, {"rate_limit": True, "retry_after": 1},
                   {"rate_limit": True}, {"hang_s": 1.5}):
        server.set_faults(scope="chatwoot", **faults)
        try:
            summary = engine.sync_account_once(aid)
        finally:
            server.set_faults()
        assert summary.state != Connectivity.ONLINE, faults  # visible, and no crash
        with db.read() as conn:
            assert account_store.get_account(conn, aid).last_error
    _settle(engine, db, aid)
    _expect_complete(db, aid, server)


def _settle(engine, db, aid) -> None:
    for _ in range(3):  # the next passes (what the background loop does) complete the picture
        if engine.sync_account_once(aid).state == Connectivity.ONLINE and not _pending(db, aid):
            return


def _pending(db, aid):
    with db.read() as conn:
        return account_store.pending_message_conversations(conn, aid)


def _wait_for_a_429(server) -> None:
    deadline = time.monotonic() + 20
    while not server.state.faults_injected["429"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.state.faults_injected["429"], "the hub never throttled"
    time.sleep(0.2)  # the engine is now in the window's wait (up to ~63 s)


def test_stop_ends_a_throttle_wait_in_a_pull_at_once(db, demo):
    """Rack::Attack's 429 has no Retry-After: the connector waits for the minute's window to end, in the sync
    thread. stop() (Ctrl+C on `deskapp sync`, closing the app) ends that wait instead of joining behind it."""
    server, info = demo
    with db.write() as conn:
        aid = account_store.insert_account(conn, "chatwoot", "cw", info["url"],
                                           {"account_id": info["chatwoot_account_id"]})
    registry = {AccountKind.CHATWOOT: lambda account, _secrets: ChatwootConnector(  # the app's own HTTP client
        account.base_url, account.settings["account_id"], info["chatwoot_token"])}
    engine = SyncEngine(db, NO_SECRETS, registry=registry, interval=60.0)
    server.set_faults(scope="chatwoot", rate_limit=True)
    try:
        engine.start()
        _wait_for_a_429(server)
        started = time.monotonic()
        engine.stop(timeout=10)
        took = time.monotonic() - started
    finally:
        server.set_faults()
    assert took < 2, took
    assert not any(t.name == f"sync-{aid}" for t in threading.enumerate())
    with db.read() as conn:
        account = account_store.get_account(conn, aid)
    assert account.last_sync is None and account.state != Connectivity.OFFLINE  # cut short: neither


def test_stop_ends_a_throttle_wait_in_the_replay_and_the_item_waits(tmp_path, demo):
    server, info = demo
    stack = Stack(tmp_path / "data", info, http={"throttle_window": 60.0})  # waits for the window, as the app
    [conversation] = stack.mirror(server, 1)
    reply = stack.actions.reply(conversation, "sent after the throttle")
    server.set_faults(scope="chatwoot", rate_limit=True)
    try:
        stack.engine.start()
        _wait_for_a_429(server)
        started = time.monotonic()
        stack.engine.stop(timeout=10)
        took = time.monotonic() - started
    finally:
        server.set_faults()
    assert took < 2, took
    row = stack.outbox.get(reply)
    assert row.state == OutboxState.PENDING and "stopped" in row.last_error  # nothing lost: sent next time
    assert server_markers(server).get(reply) is None
    stack.drain()
    assert server_markers(server).get(reply) == 1
    stack.close()

"""A new Chatwoot account is usable first: its full walk brings the newest conversations first. When the engine
says the newest N are ready, the cache holds exactly the hub's N conversations of latest activity, each with
every message; the backfill then ends where a sync of everything ends, telling its progress on the way."""

from __future__ import annotations

import re

import pytest

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.credentials import SecretStore
from deskapp.demo.server import DemoServer
from deskapp.domain import AccountKind, Connectivity
from deskapp.store import accounts as account_store
from deskapp.sync.engine import SyncEngine
from tests.demo.conftest import PINNED_NOW

NO_SECRETS = SecretStore("first-sync-tests")  # the connector gets its token directly
READY = 100


@pytest.fixture(scope="module")
def demo():
    server = DemoServer(seed=13, scale="small", live=False, now=PINNED_NOW)
    try:
        yield server, server.start()
    finally:
        server.stop()


def _engine(db, info, on_event, first_ready=READY) -> tuple[SyncEngine, int]:
    with db.write() as conn:
        account_id = account_store.insert_account(conn, "chatwoot", "cw", info["url"],
                                                  {"account_id": info["chatwoot_account_id"]})

    def chatwoot(account, _secrets):
        return ChatwootConnector(account.base_url, account.settings["account_id"], info["chatwoot_token"])

    return SyncEngine(db, NO_SECRETS, registry={AccountKind.CHATWOOT: chatwoot}, on_event=on_event,
                      first_ready=first_ready), account_id


def _held(db, account_id) -> tuple[set[str], set[tuple[str, str]]]:
    """(conversation ids, (conversation id, message id) pairs) in the cache."""
    with db.read() as conn:
        convs = set(conn.exec_driver_sql("SELECT external_id FROM conversation WHERE account_id = ?",
                                         (account_id,)).scalars())
        msgs = set(conn.exec_driver_sql(
            "SELECT c.external_id, m.external_id FROM message m JOIN conversation c ON c.id = m.conversation_id"
            " WHERE m.account_id = ?", (account_id,)).all())
    return convs, {tuple(row) for row in msgs}


def _hub(state, conversations) -> tuple[set[str], set[tuple[str, str]]]:
    return ({str(c.id) for c in conversations},
            {(str(c.id), str(m["id"])) for c in conversations for m in state.messages(c)})


def test_the_newest_conversations_come_first_then_the_backfill_completes(db, demo):
    server, info = demo
    seen, at_ready = [], {}

    def on_event(event):
        seen.append(event)
        if f"newest {READY:,} conversations ready" in event.message and not at_ready:
            at_ready["walked"] = event.done
            at_ready["held"] = _held(db, account_id)

    engine, account_id = _engine(db, info, on_event)
    summary = engine.sync_account_once(account_id)
    assert summary.state is Connectivity.ONLINE, summary.errors

    state = server.state
    by_activity = sorted(state.conversations, key=lambda c: (c.last_activity_at, c.id), reverse=True)
    assert at_ready["walked"] == READY  # four pages of 25: the first page that reaches READY
    assert at_ready["held"] == _hub(state, by_activity[:READY])  # exactly the newest, each openable

    assert _held(db, account_id) == _hub(state, state.conversations)  # the backfill reached everything
    total = len(state.conversations)
    walk = [e for e in seen if re.search(r"newest|backfilling|conversations ready", e.message)]
    assert [e.done for e in walk] == sorted(e.done for e in walk) and walk[-1].done == total
    backfill = [e for e in walk if "backfilling" in e.message]
    assert backfill and all(e.total == total for e in backfill)
    assert f"backfilling 125 of {total:,}" in backfill[1].message
    assert walk[-1].message == f"all {total:,} conversations ready" and walk[-1].total == total


def test_a_second_pass_walks_only_what_changed(db, demo):
    _server, info = demo
    seen = []
    engine, account_id = _engine(db, info, seen.append)
    engine.sync_account_once(account_id)
    seen.clear()
    engine.sync_account_once(account_id)
    assert not [e for e in seen if "ready" in e.message or "backfilling" in e.message]

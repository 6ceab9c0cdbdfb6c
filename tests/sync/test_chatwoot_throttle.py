"""A first sync of an account larger than the hub's rate limit finishes: Rack::Attack answers 429 "Retry later"
with no Retry-After once a minute's requests are spent, and every pull waits for the window's end (the
clocks here are the fake hub's, moved on by each wait) instead of giving up after a few quick retries."""

from __future__ import annotations

import random

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.http import HttpClient
from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind, Connectivity
from deskapp.store import accounts
from deskapp.sync.engine import SyncEngine
from tests.connectors import chatwoot_payloads as cp
from tests.connectors.fake_chatwoot import TOKEN, Clock, FakeChatwoot
from tests.connectors.scripted_server import ScriptedServer

# The connectors here are given their tokens directly: nothing reads this profile's keyring entries.
NO_SECRETS = SecretStore("sync-tests")
LIMIT = 30  # requests per minute (the hub's RACK_ATTACK_LIMIT, lowered so the test stays small)


def test_a_first_sync_under_the_rate_limit_finishes(db):
    server = ScriptedServer().start()
    clock = Clock(cp.T0 + 40 * 86400)
    fake = FakeChatwoot(server, clock, limit=LIMIT)
    fake.populate(70, start=cp.T0, rng=random.Random(4))
    try:
        http = HttpClient(server.url, {"api_access_token": TOKEN}, timeout=(2.0, 5.0), throttle_window=60.0,
                          sleep=clock.sleep, clock=clock)
        connector = ChatwootConnector(server.url, cp.ACCOUNT, TOKEN, http=http, clock=clock)
        with db.write() as conn:
            account = accounts.insert_account(conn, "chatwoot", "hub", server.url, {"account_id": cp.ACCOUNT})
        engine = SyncEngine(db, NO_SECRETS, registry={AccountKind.CHATWOOT: lambda _a, _s: connector})
        summary = engine.sync_account_once(account)
    finally:
        server.stop()
    throttled = sum(max(0, n - LIMIT) for n in fake.counted.values())  # answered 429 "Retry later"
    assert summary.state == Connectivity.ONLINE and not summary.errors, summary.errors
    assert throttled > 0 and len(clock.slept) >= throttled  # it was throttled, and waited every time
    assert all(0 < s <= 63 for s in clock.slept)
    with db.read() as conn:
        held = conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar()
        messages = conn.exec_driver_sql("SELECT count(*) FROM message").scalar()
    assert held == 70 and messages == sum(len(m) for m in fake.messages.values())

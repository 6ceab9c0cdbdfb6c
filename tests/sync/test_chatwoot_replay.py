"""The outbox against a loopback Chatwoot: a change the server fails on (HTTP 500) is tried a bounded number of
times, then shown to the agent as failed, while the rest of the queue goes out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.http import HttpClient
from deskapp.domain import OutboxState
from deskapp.services.actions import ActionService
from deskapp.store.outbox import OutboxStore
from deskapp.sync.replay import Replayer
from tests.connectors import chatwoot_payloads as cp
from tests.connectors.fake_chatwoot import TOKEN, Clock, FakeChatwoot
from tests.connectors.scripted_server import Reply, ScriptedServer
from tests.faults.seed import seed_cache


@pytest.fixture
def hub() -> Iterator[FakeChatwoot]:
    server = ScriptedServer().start()
    fake = FakeChatwoot(server, Clock(cp.T0))
    for cid in (101, 102, 103):
        fake.add_conversation(cid)
    try:
        yield fake
    finally:
        server.stop()


def test_a_500_is_tried_a_few_times_then_failed_and_the_queue_goes_on(db, data_dir, profile, hub):
    seeded = seed_cache(db, profile=profile)
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    service = ActionService(db, outbox, profile)
    broken, fine = seeded["conversations"][:2]
    hub.server.script("POST", f"{cp.PREFIX}/conversations/101/toggle_priority",
                      Reply(500, {"status": 500, "error": "Internal Server Error"}))
    doomed, held_back = service.set_priority(broken, "high"), service.set_labels(broken, ["vip"])
    sent = service.set_priority(fine, "urgent")
    assert service.outbox.get(sent).state == OutboxState.PENDING
    http = HttpClient(hub.server.url, {"api_access_token": TOKEN}, max_attempts=2, backoff_cap=0.01,
                      backoff_base=0.001)
    connector = ChatwootConnector(hub.server.url, cp.ACCOUNT, TOKEN, http=http)
    replayer = Replayer(db, outbox, hold_s=0, rate=1000, burst=1000, max_attempts=3)
    reports = [replayer.replay_account(seeded["account_id"], connector) for _ in range(5)]
    assert reports[0].sent == 1 and reports[0].stopped is None  # the account did not go "offline"
    assert hub.conversations[102]["priority"] == "urgent" and outbox.get(sent).state == OutboxState.DONE
    row = outbox.get(doomed)
    assert row.state == OutboxState.FAILED and row.attempts == 3
    assert "HTTP 500" in row.conflict and "Internal Server Error" in row.last_error
    assert outbox.get(held_back).state == OutboxState.PENDING  # waits behind it, in order, for the agent
    assert len(hub.server.requests_to(f"{cp.PREFIX}/conversations/101/toggle_priority")) == 3 * 2
    assert reports[-1].sent == 0 and reports[-1].failed == 0  # settled: no more requests for ever
    outbox.close()

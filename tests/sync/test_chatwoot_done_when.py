"""Through the command line against a hub answering as a real Chatwoot v4 server (tests/connectors/fake_chatwoot):
`deskapp sync --once` then `deskapp kpi --json` give the unanswered count and the human-only first response
median a recomputation from the hub's own data gives, with bot answers, campaigns, automations, notes, CSAT
surveys and reopenings present; a priority cleared offline reaches the hub.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sqlite3
import sys
from collections.abc import Iterator

import pytest

from deskapp import cli
from deskapp.kpi.definitions import percentiles
from tests.connectors import chatwoot_payloads as cp
from tests.connectors.fake_chatwoot import TOKEN, Clock, FakeChatwoot
from tests.connectors.scripted_server import ScriptedServer

START = cp.T0  # 2025-10-09, inside the period asked for below
PERIOD = ["--from", "2025-10-01", "--to", "2025-11-01", "--tz", "UTC"]


@pytest.fixture
def hub() -> Iterator[FakeChatwoot]:
    server = ScriptedServer().start()
    fake = FakeChatwoot(server, Clock(START + 40 * 86400))
    fake.populate(60, start=START, rng=random.Random(12))
    try:
        yield fake
    finally:
        server.stop()


def run(data_dir, *args: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        mp.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(["--data-dir", str(data_dir), *args])
    return code, out.getvalue()


def recomputed(fake: FakeChatwoot) -> tuple[int, float | None]:
    """(unanswered, median first response) from the hub's raw data, by Chatwoot's own rule of a human reply
    (Message#human_response?: outgoing, public, sent by a User, not an automation's or a campaign's)."""
    unanswered, frt = 0, []
    for cid, conv in fake.conversations.items():
        messages = fake.messages[cid]
        inbound = [m["created_at"] for m in messages if m["message_type"] == 0]
        human = [m["created_at"] for m in messages if m["id"] in fake.human]
        if not inbound:
            continue
        answers = [t for t in human if t >= min(inbound)]
        if answers:
            frt.append(min(answers) - min(inbound))
        elif conv["status"] != "resolved":
            unanswered += 1
    return unanswered, percentiles(frt)[0]


def test_sync_then_kpi_agrees_with_the_hubs_raw_data(hub, data_dir):
    code, _ = run(data_dir, "account", "add", "chatwoot", "--url", hub.server.url, "--account-id", str(cp.ACCOUNT),
                  stdin=TOKEN + "\n")
    assert code == 0
    code, _ = run(data_dir, "sync", "--once")
    assert code == 0
    code, out = run(data_dir, "kpi", "--json", *PERIOD)
    assert code == 0
    report = json.loads(out)
    unanswered, median = recomputed(hub)
    bots = sum(1 for msgs in hub.messages.values() for m in msgs if (m.get("sender") or {}).get("type") == "agent_bot")
    assert bots > 10 and unanswered > 3  # bot answers are there, and some conversations only have those
    assert (report["frt"]["unanswered"], report["frt"]["median_s"]) == (unanswered, median)
    assert report["volume"]["total"] == len(hub.conversations)
    resolved = sum(c["status"] == "resolved" for c in hub.conversations.values())
    assert report["resolution"]["count"] == resolved


def test_a_priority_cleared_offline_reaches_the_hub(hub, data_dir):
    hub.conversations[3]["priority"] = "high"
    run(data_dir, "account", "add", "chatwoot", "--url", hub.server.url, "--account-id", str(cp.ACCOUNT),
        stdin=TOKEN + "\n")
    assert run(data_dir, "sync", "--once")[0] == 0
    with contextlib.closing(sqlite3.connect(data_dir / "cache.sqlite3")) as db:
        local = db.execute("SELECT id FROM conversation WHERE external_id = '3'").fetchone()[0]
    assert run(data_dir, "outbox", "--work-offline", "on")[0] == 0
    assert run(data_dir, "act", str(local), "priority", "none")[0] == 0
    assert hub.conversations[3]["priority"] == "high"  # offline: nothing left yet
    assert run(data_dir, "outbox", "--work-offline", "off")[0] == 0
    assert run(data_dir, "sync", "--once")[0] == 0
    assert hub.conversations[3]["priority"] is None
    bodies = [s.body for s in hub.server.requests_to(f"{cp.PREFIX}/conversations/3/toggle_priority")]
    assert bodies == [{"priority": None}]
    code, out = run(data_dir, "outbox", "--json")
    assert code == 0 and [i["state"] for i in json.loads(out)["items"]] == ["done"]

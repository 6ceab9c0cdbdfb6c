"""Through the command line, against a hub answering as a real Chatwoot server does, both the scripted loopback
one (tests/connectors/fake_chatwoot, v4) and the demo hub (deskapp.demo): `deskapp sync --once` then
`deskapp kpi --json` give the unanswered count and the human-only first response median a recomputation from
the hub's own data gives, with bot answers, campaigns, automations, notes, CSAT surveys and reopenings present;
a priority cleared while the hub is down reaches it once it is back.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import sys
from collections.abc import Iterator

import pytest

from deskapp import cli
from tests.sync.hubs import DemoHub, ScriptedHub, recomputed


@pytest.fixture(params=["scripted", "demo"])
def hub(request) -> Iterator[ScriptedHub | DemoHub]:
    made = ScriptedHub() if request.param == "scripted" else DemoHub()
    try:
        yield made
    finally:
        made.stop()


def run(data_dir, *args: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        mp.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(["--data-dir", str(data_dir), *args])
    return code, out.getvalue()


def add_account(data_dir, hub) -> None:
    code, _ = run(data_dir, "account", "add", "chatwoot", "--url", hub.url, "--account-id", str(hub.account),
                  stdin=hub.token + "\n")
    assert code == 0


def test_sync_then_kpi_agrees_with_the_hubs_raw_data(hub, data_dir):
    add_account(data_dir, hub)
    code, _ = run(data_dir, "sync", "--once")
    assert code == 0
    code, out = run(data_dir, "kpi", "--json", *hub.period)
    assert code == 0
    report = json.loads(out)
    held = hub.held()
    unanswered, median = recomputed(held)
    assert hub.bot_messages() > 10 and unanswered > 0  # bot answers are there, and some conversations only have those
    assert (report["frt"]["unanswered"], report["frt"]["median_s"]) == (unanswered, median)
    assert report["volume"]["total"] == len(held)
    assert report["resolution"]["count"] == sum(c.status == "resolved" for c in held)


def test_a_priority_cleared_offline_reaches_the_hub(hub, data_dir):
    hub.set_priority(3, "high")
    add_account(data_dir, hub)
    assert run(data_dir, "sync", "--once")[0] == 0
    with contextlib.closing(sqlite3.connect(data_dir / "cache.sqlite3")) as db:
        local = db.execute("SELECT id FROM conversation WHERE external_id = '3'").fetchone()[0]
    hub.outage(True)
    assert run(data_dir, "act", str(local), "priority", "none")[0] == 0
    assert run(data_dir, "sync", "--once")[0] == 1  # the hub is down: the change waits in the outbox
    assert hub.priority(3) == "high" and hub.priority_bodies(3) == []
    hub.outage(False)
    assert run(data_dir, "sync", "--once")[0] == 0
    assert hub.priority(3) is None
    assert hub.priority_bodies(3) == [{"priority": None}]  # null clears it: "none" would raise on the enum
    code, out = run(data_dir, "outbox", "--json")
    assert code == 0 and [i["state"] for i in json.loads(out)["items"]] == ["done"]

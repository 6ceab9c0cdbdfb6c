"""kill -9 of the replaying process between "server applied" and "local ack", on both kinds of Chatwoot server:
one that keeps our marker (v4 MessageBuilder keeps content_attributes) and one that drops it (older builders
keep only items and in_reply_to), each as the scripted loopback hub and as the demo hub. The hub holds its
answer once it has stored the message; the process is killed then; a new process replays the outbox, and the
hub still holds the reply once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from deskapp.domain import OutboxState
from tests.connectors.fake_chatwoot import Clock
from tests.faults.stack import Stack
from tests.sync.hubs import DemoHub, ScriptedHub

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["scripted-v4", "scripted-v3", "demo-4.x", "demo-3.x"])
def hub(request) -> Iterator[ScriptedHub | DemoHub]:
    kind, version = request.param.split("-")
    # The check-first on a server that drops the marker compares the hub's message times with the outbox's
    # queue times: the hub and the replaying process read one clock, as a real server and client do.
    if kind == "scripted":
        made = ScriptedHub(keeps_marker=version == "v4", clock=Clock(time.time()), populate=False)
    else:
        made = DemoHub(chatwoot_version=version, clock=time.time)
    try:
        yield made
    finally:
        made.stop()


def _replay(stack: Stack, hub) -> list[str]:
    return [sys.executable, "-m", "tests.faults.replay_child", str(stack.folder), hub.url, str(hub.account),
            str(stack.account_id)]


def _env(hub) -> dict[str, str]:
    return {**os.environ, "DESKAPP_TEST_TOKEN": hub.token, "PYTHONPATH": str(REPO)}


@pytest.mark.timeout(120)
def test_kill9_between_server_applied_and_local_ack_never_sends_twice(tmp_path, hub):
    stack = Stack(tmp_path / "data", {"url": hub.url, "chatwoot_token": hub.token, "chatwoot_account_id": hub.account})
    try:
        conversation = hub.open_conversation(stack)
        local = stack.local_id(conversation)
        queued = [stack.actions.reply(local, "It ships today."), stack.actions.note(local, "carrier says Monday")]
        stack.close()

        with hub.holding_answers() as applied:  # the hub stores the message, then keeps its answer
            child = subprocess.Popen(_replay(stack, hub), cwd=REPO, env=_env(hub), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
            assert child.stdout.readline().strip() == "READY", child.stderr.read()
            assert applied.wait(20), "the reply never reached the hub"
            os.kill(child.pid, signal.SIGKILL)  # applied on the hub, not yet acknowledged here
            child.wait(10)
            child.stdout.close()
            child.stderr.close()
        assert [c[1:] for c in hub.created(conversation)] == [("It ships today.", False)]

        final = subprocess.run(_replay(stack, hub), cwd=REPO, env=_env(hub), capture_output=True, text=True,
                               timeout=60)
        assert final.returncode == 0, final.stderr

        stack.open()
        rows = {r.client_id: r for r in stack.outbox.items()}
        assert [rows[c].state for c in queued] == [OutboxState.DONE, OutboxState.DONE]
        assert rows[queued[0]].attempts == 2  # claimed by the killed process, then checked and found
        created = hub.created(conversation)
        assert [c[1:] for c in created] == [("It ships today.", False), ("carrier says Monday", True)]
        with stack.db.read() as conn:
            linked = conn.execute(text("SELECT external_id FROM message WHERE client_id = :c"),
                                  {"c": queued[0]}).scalar()
        assert linked == created[0][0]  # the cached reply took the hub's id
    finally:
        stack.close()

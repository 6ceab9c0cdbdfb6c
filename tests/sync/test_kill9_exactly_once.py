"""kill -9 of the replaying process between "server applied" and "local ack", on both kinds of Chatwoot server:
one that keeps our marker (v4 MessageBuilder keeps content_attributes) and one that drops it (older
builders keep only items and in_reply_to). The hub holds its answer once it has stored the message; the
process is killed then; a new process replays the outbox, and the hub still holds the reply once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from deskapp.domain import OutboxState
from tests.connectors import chatwoot_payloads as cp
from tests.connectors.fake_chatwoot import TOKEN, Clock, FakeChatwoot
from tests.connectors.scripted_server import ScriptedServer
from tests.faults.stack import Stack

REPO = Path(__file__).resolve().parents[2]


def _child(stack: Stack, url: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "tests.faults.replay_child", str(stack.folder), url, str(cp.ACCOUNT),
            str(stack.account_id)]
    env = {**os.environ, "DESKAPP_TEST_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("keeps_marker", [True, False], ids=["v4-keeps-marker", "v3-drops-marker"])
def test_kill9_between_server_applied_and_local_ack_never_sends_twice(tmp_path, keeps_marker):
    server = ScriptedServer().start()
    fake = FakeChatwoot(server, Clock(time.time()), keeps_marker=keeps_marker)  # the items' clock is the wall's
    fake.add_conversation(5)
    fake.add_message(5, "incoming", at=fake.clock.now - 60, content="Where is my parcel?")
    stack = Stack(tmp_path / "data", {"url": server.url, "chatwoot_token": TOKEN, "chatwoot_account_id": cp.ACCOUNT})
    try:
        stack.sync()
        queued = [stack.actions.reply(stack.local_id(5), "It ships today."),
                  stack.actions.note(stack.local_id(5), "carrier says Monday")]
        stack.close()

        fake.hold_post = threading.Event()  # the hub stores the message, then keeps its answer
        child = _child(stack, server.url)
        assert child.stdout.readline().strip() == "READY", child.stderr.read()
        assert fake.applied.wait(20), "the reply never reached the hub"
        os.kill(child.pid, signal.SIGKILL)  # applied on the hub, not yet acknowledged here
        child.wait(10)
        child.stdout.close()
        child.stderr.close()
        fake.hold_post.set()
        fake.hold_post = None
        assert len(fake.posted) == 1

        final = subprocess.run(_child(stack, server.url).args, cwd=REPO, capture_output=True, text=True, timeout=60,
                               env={**os.environ, "DESKAPP_TEST_TOKEN": TOKEN, "PYTHONPATH": str(REPO)})
        assert final.returncode == 0, final.stderr

        stack.open()
        rows = {r.client_id: r for r in stack.outbox.items()}
        assert [rows[c].state for c in queued] == [OutboxState.DONE, OutboxState.DONE]
        assert rows[queued[0]].attempts == 2  # claimed by the killed process, then checked and found
        assert [(m["content"], m["private"]) for m in fake.posted] == [("It ships today.", False),
                                                                       ("carrier says Monday", True)]
        with stack.db.read() as conn:
            linked = conn.execute(text("SELECT external_id FROM message WHERE client_id = :c"),
                                  {"c": queued[0]}).scalar()
        assert linked == str(fake.posted[0]["id"])  # the cached reply took the hub's id
    finally:
        stack.close()
        server.stop()

"""Offline work end to end, through the command line: during an outage an agent triages and answers 50
conversations; the server has none of it; the outage ends; one sync later every reply and change is on
the server exactly once and the thread shows each reply sent."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import time

from deskapp import bootstrap, cli
from deskapp.services.actions import action_service, close_outbox
from deskapp.store.outbox import UNDO_WINDOW_S
from tests.faults.conftest import trim_world
from tests.faults.stack import server_markers

TRIAGE_LABEL = "escalated"  # one of the account's labels: Chatwoot v4 drops labels an account does not have


def _cli(capsys, data_dir, *argv, stdin: str | None = None):
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(["--data-dir", str(data_dir), *argv])
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    assert code == 0, (argv, err)
    return out


def test_fifty_conversations_answered_during_an_outage(capsys, data_dir, demo_server):
    server, info = demo_server
    trim_world(server, 60)
    _cli(capsys, data_dir, "account", "add", "chatwoot", "--url", info["url"], "--account-id",
         str(info["chatwoot_account_id"]), "--name", "Hub", stdin=info["chatwoot_token"] + "\n")
    _cli(capsys, data_dir, "sync", "--once")
    conn = sqlite3.connect(data_dir / "cache.sqlite3")
    convs = conn.execute("SELECT id, external_id FROM conversation ORDER BY id LIMIT 50").fetchall()
    conn.close()
    assert len(convs) == 50
    server.set_faults(outage=True)
    pushes_before = dict(server.state.pushes)
    replies = []
    for n, (conv_id, _ext) in enumerate(convs[:5]):  # a script, through `deskapp act`
        replies.append(_cli(capsys, data_dir, "act", str(conv_id), "reply", f"Sorry for the wait, update #{n}").strip())
        _cli(capsys, data_dir, "act", str(conv_id), "label", TRIAGE_LABEL)
        _cli(capsys, data_dir, "act", str(conv_id), "priority", "high")
        _cli(capsys, data_dir, "act", str(conv_id), "resolve")
    ws = bootstrap.open_workspace(data_dir)  # the agent in the app: the same service the UI calls
    actions = action_service(ws)
    for n, (conv_id, _ext) in enumerate(convs[5:], start=5):
        replies.append(actions.reply(conv_id, f"Sorry for the wait, update #{n}"))
        actions.set_labels(conv_id, [TRIAGE_LABEL])
        actions.set_priority(conv_id, "high")
        actions.resolve(conv_id)
    close_outbox(ws)
    ws.close()
    time.sleep(UNDO_WINDOW_S)  # the app holds each action for its undo window before sending
    assert dict(server.state.pushes) == pushes_before  # the server has none of it
    listing = json.loads(_cli(capsys, data_dir, "outbox", "--json"))
    assert listing["counts"]["pending"] == 200

    server.set_faults()
    started = time.monotonic()
    _cli(capsys, data_dir, "sync", "--once")
    elapsed = time.monotonic() - started
    listing = json.loads(_cli(capsys, data_dir, "outbox", "--json"))
    assert listing["counts"]["done"] == 200 and listing["counts"]["pending"] == 0
    markers = server_markers(server)
    assert {c: markers.get(c) for c in replies} == {c: 1 for c in replies}
    for _conv_id, ext in convs:
        remote = server.state.conversation(int(ext))
        assert remote.status == "resolved" and remote.priority == "high" and TRIAGE_LABEL in remote.labels
    conn = sqlite3.connect(data_dir / "cache.sqlite3")
    deliveries = dict(conn.execute(
        f"SELECT client_id, delivery FROM message WHERE client_id IN ({','.join('?' * len(replies))})",
        replies).fetchall())
    statuses = {r[0] for r in conn.execute(
        f"SELECT status FROM conversation WHERE id IN ({','.join(str(c) for c, _ in convs)})").fetchall()}
    conn.close()
    assert deliveries == {c: "sent" for c in replies} and statuses == {"resolved"}
    print(f"\ndone-when: 200 actions on 50 conversations on the server {elapsed:.1f} s after the outage ended"
          " (one `deskapp sync --once`, pulls included)")

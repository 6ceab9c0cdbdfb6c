"""kill -9 of a process writing the profile, at random moments: every write it reported as done is there,
whole, and the file stays sound."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deskapp.store import profile_records as records
from deskapp.store.profile import ProfileStore

REPO = Path(__file__).resolve().parents[2]
KILLS = 20


def _kill_while_writing(path: Path, account_id: int, first: int, rng: random.Random) -> set[int]:
    child = subprocess.Popen([sys.executable, "-m", "tests.faults.profile_writer_child", str(path),
                              str(account_id), str(first)], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "READY", child.stderr.read()
        time.sleep(rng.uniform(0.05, 0.4))
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    done = {int(line) for line in child.stdout.read().split()}
    child.stdout.close()
    child.stderr.close()
    return done


@pytest.mark.timeout(240)
def test_kill9_while_writing_the_profile_loses_nothing_committed(tmp_path):
    path = tmp_path / "profile.sqlite3"
    store = ProfileStore(path)
    with store.write() as conn:
        account_id = records.insert_account(conn, "chatwoot", "Hub", "https://hub.example")
    store.close()
    rng = random.Random(11)
    acknowledged: set[int] = set()
    first = 0
    for _ in range(KILLS):
        acknowledged |= _kill_while_writing(path, account_id, first, rng)
        first += 100_000  # each run numbers its writes apart
    assert len(acknowledged) > KILLS, "the children had time to write"

    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        raw.close()
    store = ProfileStore(path)
    try:
        with store.read() as conn:
            templates = {int(r["origin"].split(":")[1]) for r in records.templates(conn)}
            drafts = {int(ext[1:]) for _a, ext in records.draft_keys(conn)}
            corrections = {int(c.conversation_external_id[1:]) for c in records.corrections(conn)}
            assert [a.id for a in records.list_accounts(conn)] == [account_id]
    finally:
        store.close()
    assert acknowledged <= templates, "a write reported done was lost"
    assert templates == drafts == corrections, "a write landed in part"
    print(f"\nprofile kill -9: {KILLS} kills, {len(acknowledged)} acknowledged writes, all present;"
          f" {len(templates) - len(acknowledged)} more committed just before a kill")

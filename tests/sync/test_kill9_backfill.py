"""kill -9 of `deskapp sync --once` while a new account is being backfilled: what the kill left is the newest
part (a Chatwoot account's conversations of latest activity, a mailbox's highest UIDs), and the resumed sync
ends exactly where a clean sync ends, nothing lost, nothing twice."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from deskapp.demo.server import DemoServer
from deskapp.services import accounts as account_service
from tests.demo.conftest import PINNED_NOW
from tests.mail.conftest import dovecot  # noqa: F401 - the module's Dovecot
from tests.mail.helpers import new_mailbox, workspace
from tests.sync.test_first_sync_mail import by_uid_newest_first, fill
from tests.sync.test_kill9 import _snapshot, _sync, _Ws


def _count(cache: Path, sql: str) -> int:
    conn = sqlite3.connect(cache)
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        conn.close()


def _kill_between(data_dir: Path, sql: str, low: int, high: int) -> int:
    """Starts a sync and kills it (SIGKILL) once ``sql`` counts between ``low`` and ``high``; the count then."""
    proc = _sync(data_dir)
    cache = data_dir / "cache.sqlite3"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if low <= _count(cache, sql) < high:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sync ended before the backfill could be cut"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.communicate(timeout=60)
    return _count(cache, sql)


def _finish(data_dir: Path) -> None:
    proc = _sync(data_dir)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err[-3000:]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kill9_during_the_conversation_backfill(tmp_path):
    server = DemoServer(seed=21, scale="small", live=False, now=PINNED_NOW)
    info = server.start()
    try:
        for name in ("clean", "killed"):
            ws = _Ws(tmp_path / name)
            account_service.add_account(ws, "chatwoot", "cw", info["url"], info["chatwoot_token"],
                                        {"account_id": info["chatwoot_account_id"]})
            ws.db.close()
            ws.profile.close()
        _finish(tmp_path / "clean")
        reference = _snapshot(tmp_path / "clean" / "cache.sqlite3")

        total = len(server.state.conversations)
        held = _kill_between(tmp_path / "killed", "SELECT count(*) FROM conversation", 1000, total - 200)
        conn = sqlite3.connect(tmp_path / "killed" / "cache.sqlite3")
        kept = {r[0] for r in conn.execute("SELECT external_id FROM conversation")}
        conn.close()
        newest = sorted(server.state.conversations, key=lambda c: (c.last_activity_at, c.id), reverse=True)
        assert 1000 <= held < total and kept == {str(c.id) for c in newest[:held]}

        _finish(tmp_path / "killed")
        resumed = _snapshot(tmp_path / "killed" / "cache.sqlite3")
        for key, expected in reference.items():
            assert resumed[key] == expected, key
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kill9_during_the_mail_backfill(dovecot, tmp_path):  # noqa: F811
    ws = _Ws(tmp_path / "data")
    box = new_mailbox(dovecot, workspace(ws.db))
    ws.db.close()
    ws.profile.close()
    client = dovecot.client(box.user)
    fill(client, 0, 1500)
    newest = by_uid_newest_first(client)

    held = _kill_between(tmp_path / "data", "SELECT count(*) FROM message", 250, 1250)
    conn = sqlite3.connect(tmp_path / "data" / "cache.sqlite3")
    kept = {r[0] for r in conn.execute("SELECT external_id FROM message")}
    conn.close()
    assert 250 <= held < 1500 and kept == set(newest[:held])

    _finish(tmp_path / "data")
    conn = sqlite3.connect(tmp_path / "data" / "cache.sqlite3")
    ids = [r[0] for r in conn.execute("SELECT external_id FROM message")]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert sorted(ids) == sorted(newest)  # every mail, once
    client.logout()

"""kill -9 of a running `deskapp sync --once` at random moments: the cache stays sound and resumes exactly.

A clean sync into a fresh data folder is the reference; the killed-and-resumed folder must end with
the same row counts, the same (account, external_id) sets and the same derived conversation fields.
"""

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

from deskapp.services import accounts as account_service
from deskapp.store import migrate
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore
from tests.sync.demo_fixture import fast_demo_server

KILLS = 20
TABLES = ("agent", "team", "contact", "customer", "customer_identity", "conversation", "conversation_label",
          "conversation_event", "message", "attachment", "message_fts", '"order"', "order_line", "survey_response",
          "template")
KEYED = ("agent", "team", "contact", "conversation", "message", '"order"', "survey_response", "template")


class _Ws:
    def __init__(self, data_dir: Path) -> None:
        from deskapp.services.profile_secrets import secret_store

        data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(data_dir / "cache.sqlite3")
        migrate.upgrade(self.db)
        self.profile = ProfileStore(data_dir / "profile.sqlite3")
        self.secrets = secret_store(self.profile)


def _prepare(data_dir: Path, info: dict) -> None:
    ws = _Ws(data_dir)
    account_service.add_account(ws, "chatwoot", "cw", info["url"], info["chatwoot_token"],
                                {"account_id": info["chatwoot_account_id"]})
    account_service.add_account(ws, "shopify", "shop", info["shop_url"], info["shopify_token"])
    ws.db.close()
    ws.profile.close()


def _sync(data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "deskapp", "--data-dir", str(data_dir), "sync", "--once"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def _snapshot(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        snap = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        for t in KEYED:
            snap[f"{t} keys"] = set(conn.execute(f"SELECT account_id, external_id FROM {t}").fetchall())
        snap["conversation fields"] = set(conn.execute(
            "SELECT account_id, external_id, status, message_count, last_message_at, first_response_at, snippet,"
            " resolved_at, labels FROM conversation").fetchall())
        snap["pending"] = conn.execute("SELECT count(*) FROM sync_cursor WHERE stream LIKE 'pending/%'").fetchone()
        snap["fts matches messages"] = conn.execute(
            "SELECT count(*) FROM message m JOIN message_fts f ON f.rowid = m.id").fetchone()[0]
    finally:
        conn.close()
    return snap


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_kill9_at_random_moments_then_resume_equals_a_clean_sync(tmp_path):
    with fast_demo_server(seed=5) as (_server, info):
        clean, killed = tmp_path / "clean", tmp_path / "killed"
        _prepare(clean, info)
        _prepare(killed, info)
        started = time.monotonic()
        proc = _sync(clean)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err[-3000:]
        full = time.monotonic() - started
        reference = _snapshot(clean / "cache.sqlite3")
        assert reference["message"] > 0 and reference['"order"'] > 0

        rng = random.Random(int(os.environ.get("DESKAPP_KILL_SEED", "9")))
        kills = attempts = 0
        while kills < KILLS and attempts < KILLS * 3:
            attempts += 1
            proc = _sync(killed)
            time.sleep(rng.uniform(0.2, min(4.0, max(0.6, full * 0.9))))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.communicate(timeout=60)
            conn = sqlite3.connect(killed / "cache.sqlite3")
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            conn.close()
        assert kills >= KILLS, f"only {kills} syncs were still running when killed"

        proc = _sync(killed)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err[-3000:]
        resumed = _snapshot(killed / "cache.sqlite3")
        for key, expected in reference.items():
            assert resumed[key] == expected, key

"""The command line end to end: `account add imap` (password on stdin, into the keyring), `sync --once`
through the app's real engine (every feature's hooks), and `stats --json` counting the mailbox — loaded
with every message of the real-world corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.mail.conftest import PASSWORD
from tests.mail.helpers import as_written

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "emails"


def _deskapp(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskapp", "--data-dir", str(data_dir), *args], input=stdin,
                          capture_output=True, text=True, timeout=240, env=dict(os.environ), check=False)


def test_add_sync_and_count_the_whole_corpus(dovecot, tmp_path):
    user = "corpus@shop.example"
    dovecot.add_user(user)
    client = dovecot.client(user)
    files = sorted(CORPUS.rglob("*.eml"))
    for path in files:
        client.append("INBOX", path.read_bytes())
    client.select_folder("INBOX")
    assert len(client.search(["ALL"])) == len(files)
    client.logout()

    data_dir = tmp_path / "data"
    added = _deskapp(data_dir, "account", "add", "imap", "--host", "127.0.0.1", "--port", str(dovecot.port),
                     "--user", user, "--security", "plain", "--smtp-port", "2525", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    account_id = int(added.stdout.strip())
    synced = _deskapp(data_dir, "sync", "--once", "--json")
    assert synced.returncode == 0, synced.stderr + synced.stdout
    summary = json.loads(synced.stdout.strip().splitlines()[-1])
    assert summary["account_id"] == account_id and summary["state"] == "online"
    assert summary["not_imported"] == 0 and summary["errors"] == []

    stats = json.loads(_deskapp(data_dir, "stats", "--json").stdout)
    distinct = {as_written(p.read_bytes()) for p in files}  # a few corpus files are copies of one message
    assert stats["messages"] == len(distinct) == len(files) - summary["duplicates"], (stats, summary)
    assert stats["accounts"][0]["kind"] == "imap_smtp" and stats["accounts"][0]["state"] == "online"
    assert stats["conversations"] >= 40

    again = _deskapp(data_dir, "sync", "--once", "--json")
    assert again.returncode == 0 and json.loads(again.stdout.strip().splitlines()[-1])["new_messages"] == 0


def test_plain_text_off_loopback_and_empty_password_are_refused(tmp_path):
    data_dir = tmp_path / "data"
    refused = _deskapp(data_dir, "account", "add", "imap", "--host", "mail.example.com", "--user", "a@example.com",
                       "--security", "plain", stdin="pw\n")
    assert refused.returncode == 2 and "loopback" in refused.stderr
    empty = _deskapp(data_dir, "account", "add", "imap", "--host", "mail.example.com", "--user", "a@example.com",
                     stdin="\n")
    assert empty.returncode == 2 and "password" in empty.stderr
    listed = _deskapp(data_dir, "account", "list", "--json")
    assert json.loads(listed.stdout) == []

"""The `not-imported` verb against real Dovecot: after a sync that could not import a damaged message, it lists
the message with its folder, uid, attempts and reason (exit 1), and says why its source could not be saved."""

from __future__ import annotations

import json

from tests.mail.conftest import PASSWORD, make_mail
from tests.mail.test_mail_cli import _deskapp


def test_sync_once_says_what_it_could_not_import_and_not_imported_lists_it(dovecot, tmp_path):
    user = "damaged@shop.example"
    dovecot.add_user(user)
    client = dovecot.client(user)
    for n in range(2):
        client.append("INBOX", make_mail(message_id=f"<cli{n}@customer.example>", body=f"Cli damaged {n}. " * 20))
    client.logout()
    [damaged] = [p for p in (dovecot.root / "home" / user / "Maildir").glob("*/*")
                 if p.is_file() and b"Cli damaged 1." in p.read_bytes()]
    damaged.write_bytes(damaged.read_bytes()[:100])  # Dovecot can no longer send it
    data_dir = tmp_path / "data"
    added = _deskapp(data_dir, "account", "add", "imap", "--host", "127.0.0.1", "--port", str(dovecot.port),
                     "--user", user, "--security", "plain", "--smtp-port", "2525", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    synced = _deskapp(data_dir, "sync", "--once")
    assert synced.returncode == 1  # not "online" while a message is missing
    assert "1 new messages" in synced.stdout and "1 not imported" in synced.stdout
    assert "could not be imported" in synced.stdout
    listed = _deskapp(data_dir, "not-imported", "--json", "--save", str(tmp_path / "sources"))
    assert listed.returncode == 1
    [failure] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (failure["folder"], failure["uid"], failure["attempts"]) == ("INBOX", 2, 1)
    assert "connection" in failure["reason"] and failure["saved"].startswith("not saved")  # the server gave nothing

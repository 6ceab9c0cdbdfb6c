"""IDLE push against real Dovecot: a new message wakes the watcher within seconds, and it survives a
dropped connection (the server kicks the session) by reconnecting."""

from __future__ import annotations

import threading
import time

from deskapp.connectors.imap_smtp import idle_watcher
from deskapp.store import accounts as account_store
from tests.mail.conftest import make_mail
from tests.mail.helpers import engine_for, new_mailbox, scalar, workspace


def test_idle_delivers_a_new_message(dovecot, db):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    engine = engine_for(ws)
    assert engine.sync_account_once(box.account_id).state == "online"
    with db.read() as conn:
        account = account_store.get_account(conn, box.account_id)
    synced = threading.Event()

    def on_change() -> None:  # what the app wires: a push means "sync this account now"
        engine.sync_account_once(box.account_id)
        if scalar(db, "SELECT count(*) FROM message") == 1:
            synced.set()

    watcher = idle_watcher(account, ws.secrets.get, on_change).start()
    try:
        assert watcher.connected.wait(10), "IDLE never started"
        client = dovecot.client(box.user)
        client.append("INBOX", make_mail(message_id="<idle1@customer.example>"))
        client.logout()
        assert synced.wait(15), "the new message did not arrive through IDLE"
    finally:
        watcher.stop()
    assert scalar(db, "SELECT external_id FROM message") == "mid:idle1@customer.example"


def test_idle_reconnects_after_the_connection_drops(dovecot, db):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    with db.read() as conn:
        account = account_store.get_account(conn, box.account_id)
    changes = threading.Event()
    watcher = idle_watcher(account, ws.secrets.get, changes.set)
    watcher.start()
    try:
        assert watcher.connected.wait(10)
        dovecot.doveadm("kick", box.user)  # the server drops every session of the user
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (watcher.reconnects and watcher.connected.is_set()):
            time.sleep(0.1)
        assert watcher.reconnects >= 1 and watcher.connected.is_set(), "the watcher did not reconnect"
        client = dovecot.client(box.user)
        client.append("INBOX", make_mail(message_id="<idle2@customer.example>"))
        client.logout()
        assert changes.wait(15)
    finally:
        watcher.stop()

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


def test_app_push_wakes_the_engine_loop(dovecot, db):
    from deskapp.services.mail_push import start_mail_push

    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    engine = engine_for(ws, interval=3600)  # polling alone would not see the mail during this test
    engine.start()
    push = start_mail_push(ws, engine)
    try:
        watcher = push.watchers[box.account_id]
        assert watcher.connected.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and scalar(db, "SELECT state FROM account") != "online":
            time.sleep(0.1)  # the loop's first pass
        client = dovecot.client(box.user)
        client.append("INBOX", make_mail(message_id="<push@customer.example>"))
        client.logout()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not scalar(db, "SELECT count(*) FROM message"):
            time.sleep(0.1)
        assert scalar(db, "SELECT external_id FROM message") == "mid:push@customer.example"
    finally:
        push.stop()
        engine.stop()


def test_desktop_app_starts_push_for_its_mailboxes(dovecot, tmp_path, qtbot):
    """The GUI wires the same IDLE push as `deskapp sync`: a mail lands well before the next 30 s poll."""
    from deskapp.bootstrap import build_services, open_workspace
    from deskapp.ui import app as ui_app

    ws = open_workspace(tmp_path / "data")
    box = new_mailbox(dovecot, ws)
    session = ui_app.start(ws, build_services(ws), {"headless": True})
    try:
        qtbot.waitUntil(lambda: session.mail_push is not None, timeout=10_000)  # once a worker read the accounts
        watcher = session.mail_push.watchers[box.account_id]
        assert watcher.connected.wait(10)
        qtbot.waitUntil(lambda: scalar(ws.db, "SELECT last_sync FROM account") is not None, timeout=15_000)
        client = dovecot.client(box.user)
        client.append("INBOX", make_mail(message_id="<gui-push@customer.example>"))
        client.logout()
        qtbot.waitUntil(lambda: scalar(ws.db, "SELECT count(*) FROM message") == 1, timeout=15_000)
        assert scalar(ws.db, "SELECT external_id FROM message") == "mid:gui-push@customer.example"
    finally:
        session.close()
        ws.close()
    assert not session.mail_push.watchers  # stopped with the window

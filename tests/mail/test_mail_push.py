"""services.mail_push against real Dovecot: one IDLE watcher per mailbox wakes the sync engine's loop when mail
arrives (well before the next poll), both for `deskapp sync` and for the desktop app, and stops with it."""

from __future__ import annotations

import time

from tests.mail.conftest import make_mail
from tests.mail.helpers import engine_for, new_mailbox, scalar, workspace


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

"""The running app reacts to account changes: the first account added after start (no first-run choice
made) starts the sync engine, with no restart."""

from __future__ import annotations

from deskapp.domain import AccountKind
from tests.faults.conftest import trim_world


def test_first_account_added_in_the_running_app_starts_sync(tmp_path, qtbot):
    from deskapp.bootstrap import open_workspace
    from deskapp.demo.server import DemoServer
    from deskapp.services.accounts import add_account
    from deskapp.ui import app as ui_app

    server = DemoServer(seed=1, scale="small", live=False, port=0, host="127.0.0.1")
    info = server.start()
    trim_world(server, 20)
    ws = open_workspace(tmp_path / "data")
    session = ui_app.start(ws, {"headless": True})
    try:
        assert session.engine is None  # nothing to sync yet

        def conversations() -> int:
            with ws.db.read() as conn:
                return conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar()

        add_account(ws, AccountKind.CHATWOOT, "Support hub", info["url"], info["chatwoot_token"],
                    {"account_id": info["chatwoot_account_id"]})
        session.window.accounts_widget.changed.emit()  # what the Settings tab emits after "Add"
        assert session.engine is not None and session.window.engine is session.engine
        qtbot.waitUntil(lambda: conversations() == 20, timeout=30_000)
    finally:
        session.close()
        ws.close()
        server.stop()

"""The running app reacts to account changes: the first account added after start (no first-run choice
made) starts the sync engine, with no restart."""

from __future__ import annotations

from deskapp.domain import AccountKind
from tests.faults.conftest import trim_world


def test_first_account_added_in_the_running_app_starts_sync(tmp_path, qtbot):
    from deskapp.bootstrap import build_services, open_workspace
    from deskapp.demo.server import DemoServer
    from deskapp.services.accounts import add_account
    from deskapp.ui import app as ui_app

    server = DemoServer(seed=1, scale="small", live=False, port=0, host="127.0.0.1")
    info = server.start()
    trim_world(server, 20)
    ws = open_workspace(tmp_path / "data")
    session = ui_app.start(ws, build_services(ws), {"headless": True})
    try:
        qtbot.waitUntil(lambda: not session.window.tasks.busy(), timeout=10_000)
        assert session.engine is None  # nothing to sync yet

        def conversations() -> int:
            with ws.db.read() as conn:
                return conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar()

        add_account(ws, AccountKind.CHATWOOT, "Support hub", info["url"], info["chatwoot_token"],
                    {"account_id": info["chatwoot_account_id"]})
        session.window.accounts_widget.changed.emit()  # what the Settings tab emits after "Add"
        qtbot.waitUntil(lambda: session.engine is not None, timeout=10_000)  # told by a worker's read
        assert session.window.engine is session.engine
        qtbot.waitUntil(lambda: conversations() == 20, timeout=30_000)
    finally:
        session.close()
        ws.close()
        server.stop()


def test_after_a_damaged_cache_the_app_says_so_and_rebuilds_by_itself(tmp_path, qtbot):
    """open_workspace -> GUI: the accounts are back at once, the window says what happened, the sync the
    app starts by itself refills the cache, and the agent's draft shows on its conversation again."""
    import os

    from deskapp.bootstrap import build_services, build_sync_engine, open_workspace
    from deskapp.demo.server import DemoServer
    from deskapp.services import drafts
    from deskapp.services.accounts import add_account
    from deskapp.ui import app as ui_app

    server = DemoServer(seed=1, scale="small", live=False, port=0, host="127.0.0.1")
    info = server.start()
    trim_world(server, 20)
    folder = tmp_path / "data"
    try:
        ws = open_workspace(folder)
        try:
            hub = add_account(ws, AccountKind.CHATWOOT, "Support hub", info["url"], info["chatwoot_token"],
                              {"account_id": info["chatwoot_account_id"]})
            build_sync_engine(ws, replay=False).sync_account_once(hub)
            with ws.db.read() as conn:
                first, external = conn.exec_driver_sql(
                    "SELECT id, external_id FROM conversation ORDER BY id LIMIT 1").one()
            drafts.save(ws.db, ws.profile, first, "kept through the crash")
        finally:
            ws.close()
        cache = folder / "cache.sqlite3"
        cache.write_bytes(os.urandom(cache.stat().st_size))

        ws = open_workspace(folder)
        session = ui_app.start(ws, build_services(ws), {"headless": True})
        try:
            assert "damaged" in ws.notice and "Nothing you wrote was lost" in ws.notice
            assert session.window.status.currentMessage() == ws.notice
            # the accounts came back from the profile: sync starts once a worker has read them
            qtbot.waitUntil(lambda: session.engine is not None, timeout=10_000)

            def draft_back() -> bool:
                with ws.db.read() as conn:
                    row = conn.exec_driver_sql("SELECT id FROM conversation WHERE external_id = ?",
                                               (external,)).first()
                return row is not None and row[0] in drafts.with_drafts(ws.db, ws.profile)

            qtbot.waitUntil(draft_back, timeout=30_000)
        finally:
            session.close()
            ws.close()
    finally:
        server.stop()

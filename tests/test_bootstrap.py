"""bootstrap: opening a data folder gives a private folder, a migrated workspace and its log file, a damaged
cache starts afresh with a notice and the profile kept, reading opens a current cache as it is, and the window's
services start read-only when the outbox cannot open."""

from __future__ import annotations

import logging
import stat

from deskapp import bootstrap
from deskapp.store import schema_version


def test_a_new_data_folder_is_made_private_with_a_migrated_cache_and_a_log(tmp_path):
    ws = bootstrap.open_workspace(tmp_path / "data")
    try:
        assert ws.notice is None
        assert schema_version.cache_state(ws.paths.cache_db) == schema_version.CURRENT
        assert ws.paths.profile_db.exists() and stat.S_IMODE(ws.paths.data_dir.stat().st_mode) == 0o700
        logging.getLogger("deskapp.test").info("the workspace is open")
        logging.getLogger("deskapp.test").debug("not kept unless verbose")
    finally:
        ws.close()
    log = (ws.paths.log_dir / "deskapp.log").read_text()
    assert "INFO deskapp.test MainThread: the workspace is open" in log and "not kept unless verbose" not in log


def test_logging_follows_the_workspace_into_another_folder_once(tmp_path):
    bootstrap.setup_logging(tmp_path / "one" / "logs")
    bootstrap.setup_logging(tmp_path / "one" / "logs")  # again: no second handler
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_deskapp", False)]
    assert len(ours) == 2  # the file and stderr
    bootstrap.setup_logging(tmp_path / "two" / "logs")
    files = [h.baseFilename for h in logging.getLogger().handlers if hasattr(h, "baseFilename")
             and getattr(h, "_deskapp", False)]
    assert files == [str(tmp_path / "two" / "logs" / "deskapp.log")]


def test_a_damaged_cache_starts_afresh_and_keeps_the_profile(tmp_path):
    ws = bootstrap.open_workspace(tmp_path / "data")
    from deskapp.services import profile as profile_service

    profile_service.put_settings(ws.db, ws.profile, {"ui.theme": "dark"})
    ws.close()
    ws.paths.cache_db.write_bytes(b"this is not a database" * 100)
    again = bootstrap.open_workspace(tmp_path / "data")
    try:
        assert again.notice  # the window says what happened
        assert profile_service.settings(again.profile, "ui.")["ui.theme"] == "dark"
        assert schema_version.cache_state(again.paths.cache_db) == schema_version.CURRENT
    finally:
        again.close()


def test_reading_opens_a_current_cache_and_the_reader_sees_it(tmp_path):
    bootstrap.open_workspace(tmp_path / "data").close()
    ws = bootstrap.open_workspace(tmp_path / "data", read_only=True)
    try:
        with ws.db.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar() == 0
    finally:
        ws.close()
    reader = bootstrap.open_cache_reader(tmp_path / "fresh")  # missing: created first, as any verb would
    try:
        assert schema_version.cache_state(tmp_path / "fresh" / "cache.sqlite3") == schema_version.CURRENT
    finally:
        reader.close()


def test_the_window_is_read_only_when_the_outbox_cannot_open(tmp_path, caplog):
    ws = bootstrap.open_workspace(tmp_path / "data")
    try:
        ws.paths.outbox_db.unlink(missing_ok=True)
        ws.paths.outbox_db.mkdir()  # a folder where the outbox file should be
        from deskapp.services.actions import close_outbox

        close_outbox(ws)
        with caplog.at_level(logging.ERROR, logger="deskapp"):
            services = bootstrap.build_services(ws)
        assert services.actions is None and services.reports is not None
        assert "actions are disabled" in caplog.text
    finally:
        ws.close()

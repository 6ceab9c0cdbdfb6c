"""paths: --data-dir wins over DESKAPP_DATA_DIR, which wins over the OS's per-user folder; the files' places
inside it, and ensure() makes the folders with the data folder readable by its owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from deskapp.paths import AppPaths, resolve_paths


def test_the_files_inside_the_data_folder(tmp_path):
    paths = AppPaths(tmp_path)
    assert paths.cache_db == tmp_path / "cache.sqlite3"
    assert paths.outbox_db == tmp_path / "outbox.sqlite3"  # apart from the cache: a rebuild never touches it
    assert paths.profile_db == tmp_path / "profile.sqlite3"
    assert paths.attachments_dir == tmp_path / "attachments" and paths.log_dir == tmp_path / "logs"
    assert len({paths.cache_db, paths.outbox_db, paths.profile_db}) == 3


def test_the_named_folder_wins_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKAPP_DATA_DIR", str(tmp_path / "from-env"))
    assert resolve_paths(tmp_path / "named").data_dir == tmp_path / "named"
    assert resolve_paths(None).data_dir == tmp_path / "from-env"
    assert resolve_paths("").data_dir == tmp_path / "from-env"  # an empty --data-dir names nothing


def test_a_relative_or_home_folder_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_paths("data").data_dir == tmp_path / "data"
    assert resolve_paths("~/desk").data_dir == tmp_path / "home" / "desk"
    assert resolve_paths(Path("a/../b")).data_dir == tmp_path / "b"


def test_without_a_name_the_os_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DESKAPP_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_paths().data_dir == tmp_path / "xdg" / "deskapp"


def test_ensure_makes_the_folders_private_and_can_run_again(tmp_path):
    paths = AppPaths(tmp_path / "new" / "data").ensure()
    assert paths.attachments_dir.is_dir() and paths.log_dir.is_dir()
    assert stat.S_IMODE(paths.data_dir.stat().st_mode) == 0o700
    paths.data_dir.chmod(0o755)
    (paths.attachments_dir / "kept.pdf").write_bytes(b"%PDF-")
    assert paths.ensure() == paths
    assert stat.S_IMODE(paths.data_dir.stat().st_mode) == 0o700
    assert (paths.attachments_dir / "kept.pdf").read_bytes() == b"%PDF-"

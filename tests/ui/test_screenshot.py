"""ui.screenshot: `--screenshot` waits until the chosen screen shows its data and saves the window as PNG; a
screen that never gets ready ends with exit code 1 and says why."""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from deskapp.ui import screenshot as shot


def test_the_settings_screen_is_saved_once_it_shows_its_accounts(window, tmp_path, monkeypatch):
    monkeypatch.setattr(shot, "SETTLE_MS", 50)
    target = tmp_path / "pictures" / "settings.png"
    assert shot.screenshot(QApplication.instance(), window, target, "settings") == 0
    image = QImage(str(target))
    assert not image.isNull() and image.width() == window.width()


def test_a_screen_that_never_gets_ready_ends_with_the_reason(window, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shot, "TIMEOUT_S", 0.5)
    monkeypatch.setattr(shot, "SYNC_WAIT_S", 0)
    target = tmp_path / "team.png"
    assert shot.screenshot(QApplication.instance(), window, target, "team") == 1  # no performance tab here
    assert "team not ready after 0.5 s" in capsys.readouterr().err and not target.exists()


def test_a_target_folder_that_cannot_be_made_ends_with_the_reason_not_a_hang(window, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shot, "SETTLE_MS", 50)
    (tmp_path / "taken").write_text("a file where the folder should go")
    target = tmp_path / "taken" / "settings.png"
    assert shot.screenshot(QApplication.instance(), window, target, "settings") == 1
    assert f"could not write {target}" in capsys.readouterr().err and not target.exists()

"""About dialog facts and the crash handler (report written, dialog queued to the GUI thread)."""

import threading
from pathlib import Path

from deskapp import __version__
from deskapp.ui.about import AboutDialog
from deskapp.ui.crash import CrashHandler


def test_about_shows_version_and_folders(qtbot, tmp_path):
    dialog = AboutDialog(tmp_path / "data", tmp_path / "data" / "logs")
    qtbot.addWidget(dialog)
    text = dialog.findChild(type(dialog.layout().itemAt(0).widget()), "aboutText").text()
    assert __version__ in text
    assert str(tmp_path / "data" / "logs") in text


def test_uncaught_exception_in_a_worker_thread_writes_a_report(qtbot, tmp_path):
    handler = CrashHandler(tmp_path / "logs", show_dialog=False).install()
    try:
        with qtbot.waitSignal(handler.crashed, timeout=5000) as blocker:
            worker = threading.Thread(target=lambda: 1 / 0, name="sync-worker")
            worker.start()
            worker.join()
        summary, path = blocker.args
        assert summary.startswith("ZeroDivisionError")
        assert "sync-worker" in Path(path).read_text(encoding="utf-8")
        assert handler.reports and handler.reports[0].parent == tmp_path / "logs"
    finally:
        handler.uninstall()

"""ui.crash: uncaught exceptions from any thread write a crash report and are told on the GUI thread; the
handler steps aside when uninstalled, and Ctrl+C is not a crash."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from deskapp.ui.crash import CrashHandler


@pytest.fixture
def handler(qapp, tmp_path):
    installed = CrashHandler(tmp_path / "logs", show_dialog=False).install()
    yield installed
    installed.uninstall()


def test_uncaught_exception_in_a_worker_thread_writes_a_report(qtbot, handler, tmp_path):
    with qtbot.waitSignal(handler.crashed, timeout=5000) as blocker:
        worker = threading.Thread(target=lambda: 1 / 0, name="sync-worker")
        worker.start()
        worker.join()
    summary, path = blocker.args
    assert summary.startswith("ZeroDivisionError")
    assert "sync-worker" in Path(path).read_text(encoding="utf-8")
    assert handler.reports and handler.reports[0].parent == tmp_path / "logs"


def test_an_exception_on_the_gui_thread_is_reported_with_a_short_summary(qtbot, handler):
    try:
        raise ValueError("x" * 1000)
    except ValueError:
        kind, exc, tb = sys.exc_info()
    with qtbot.waitSignal(handler.crashed, timeout=5000) as blocker:
        sys.excepthook(kind, exc, tb)
    summary, path = blocker.args
    assert summary.startswith("ValueError: xxx") and len(summary) == 300
    assert "ValueError" in Path(path).read_text(encoding="utf-8")


def test_ctrl_c_and_empty_exceptions_are_not_crashes(handler):
    handler.handle(KeyboardInterrupt, KeyboardInterrupt(), None)
    handler.handle(RuntimeError, None, None)
    assert handler.reports == []


def test_uninstall_gives_the_hooks_back(qapp, tmp_path):
    before = (sys.excepthook, threading.excepthook)
    handler = CrashHandler(tmp_path / "logs", show_dialog=False).install()
    assert sys.excepthook == handler.handle
    handler.uninstall()
    assert (sys.excepthook, threading.excepthook) == before

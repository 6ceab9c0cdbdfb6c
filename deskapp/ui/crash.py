"""Catches uncaught exceptions in the GUI: writes a redacted crash report and tells the agent where it is."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from deskapp.diagnostics import write_crash_report

log = logging.getLogger(__name__)


class CrashHandler(QObject):
    """Install once per app; exceptions from any thread end up in one dialog on the GUI thread."""

    crashed = Signal(str, str)  # summary, report path

    def __init__(self, log_dir: Path, *, show_dialog: bool = True) -> None:
        super().__init__()
        self.log_dir = log_dir
        self.show_dialog = show_dialog
        self.reports: list[Path] = []
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        # Queued: a worker thread's exception is shown by the GUI thread, never from the worker.
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> CrashHandler:
        sys.excepthook = self.handle
        threading.excepthook = lambda args: self.handle(args.exc_type, args.exc_value, args.exc_traceback)
        return self

    def uninstall(self) -> None:
        sys.excepthook = self._previous_hook
        threading.excepthook = self._previous_thread_hook

    def handle(self, exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None or issubclass(exc_type, KeyboardInterrupt):
            return
        path = write_crash_report(self.log_dir, exc_type, exc, tb)
        self.reports.append(path)
        log.error("uncaught %s; crash report written to %s", exc_type.__name__, path)
        self.crashed.emit(f"{exc_type.__name__}: {exc}"[:300], str(path))

    @Slot(str, str)
    def _show(self, summary: str, path: str) -> None:
        if not self.show_dialog or QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "deskapp hit an unexpected error",
                          "Something went wrong. Your cached conversations and queued replies are safe.\n\n"
                          f"{summary}\n\nA crash report (with no passwords or tokens in it) was saved to:\n{path}")
        open_folder = box.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Ok)
        box.setAccessibleName("Crash report")
        box.exec()
        if box.clickedButton() is open_folder:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))

"""The About dialog and the Help menu's "Open log folder" action, for the main window."""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from deskapp import __version__


def open_folder(path: Path) -> bool:
    """Show ``path`` in the OS file manager; False when none answered."""
    path.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, log_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About deskapp")
        self.setAccessibleName("About deskapp")
        text = QLabel(
            f"<h3>deskapp {__version__}</h3>"
            "<p>A desktop help-desk client for e-commerce support teams.</p>"
            f"<p><b>Data folder:</b> <a href='{QUrl.fromLocalFile(str(data_dir)).toString()}'>{data_dir}</a><br>"
            f"<b>Log folder:</b> <a href='{QUrl.fromLocalFile(str(log_dir)).toString()}'>{log_dir}</a></p>"
            f"<p><small>Python {platform.python_version()} · Qt for Python {pyside_version}</small></p>"
        )
        text.setObjectName("aboutText")
        text.setOpenExternalLinks(True)
        text.setTextInteractionFlags(text.textInteractionFlags())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)

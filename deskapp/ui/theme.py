"""Light and dark palettes following the OS colour scheme, applied to the whole application."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from deskapp.ui import icons

ACCENT = "#2f6fde"


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def _palette(dark: bool) -> QPalette:
    p = QPalette()
    if dark:
        colours = {"Window": "#202124", "WindowText": "#e8eaed", "Base": "#18191b", "AlternateBase": "#232427",
                   "Text": "#e8eaed", "Button": "#2b2c2f", "ButtonText": "#e8eaed", "ToolTipBase": "#2b2c2f",
                   "ToolTipText": "#e8eaed", "PlaceholderText": "#9aa0a6", "Link": "#8ab4f8", "Mid": "#3c4043"}
    else:
        colours = {"Window": "#f6f7f9", "WindowText": "#1f2328", "Base": "#ffffff", "AlternateBase": "#f3f5f8",
                   "Text": "#1f2328", "Button": "#eef0f3", "ButtonText": "#1f2328", "ToolTipBase": "#ffffe6",
                   "ToolTipText": "#1f2328", "PlaceholderText": "#6e7781", "Link": "#1a5fd0", "Mid": "#d0d7de"}
    for role, value in colours.items():
        p.setColor(getattr(QPalette.ColorRole, role), QColor(value))
    p.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    return p


def apply(app: QApplication) -> None:
    """Fusion style with our palette for the OS's current scheme; re-applied when the OS switches."""
    app.setStyle("Fusion")
    app.setPalette(_palette(is_dark()))
    icons.clear_cache()


def follow_os(app: QApplication, on_change=None) -> None:
    def changed(_scheme) -> None:
        apply(app)
        if on_change is not None:
            on_change()
    app.styleHints().colorSchemeChanged.connect(changed)

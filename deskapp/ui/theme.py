"""Light and dark palettes following the OS colour scheme, applied to the whole application."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from deskapp.ui import icons

ACCENT = "#2f6fde"

# Chip tones (foreground, background) for light and dark palettes: each pair keeps a contrast ratio of
# at least 4.5:1, so a label or an SLA countdown reads at a glance on either theme.
TONES = {
    "neutral": (("#424a53", "#e9ecf0"), ("#d2d5d9", "#34363a")),
    "label": (("#1a4fb0", "#e1eafb"), ("#b5cdfa", "#223556")),
    "intent": (("#5a3aa8", "#ece6fa"), ("#d2c3ff", "#372c57")),
    "warn": (("#7a4a00", "#fcecc8"), ("#fbd87a", "#45370f")),
    "alert": (("#a4201a", "#fbe3e1"), ("#f6bcb7", "#58201c")),
    "ok": (("#16663a", "#daf2e2"), ("#9ad7ac", "#1d3a27")),
    "badge": (("#ffffff", ACCENT), ("#ffffff", ACCENT)),  # an unread count
    "badge_selected": ((ACCENT, "#ffffff"), (ACCENT, "#ffffff")),  # on a highlighted (accent) row
}
_tones: dict[tuple[str, bool], tuple[QColor, QColor]] = {}


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):  # none yet
        return False
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def is_dark_palette(palette: QPalette | None = None) -> bool:
    """Whether ``palette`` (default: the application's) is a dark one."""
    if palette is None:
        app = QGuiApplication.instance()
        if not isinstance(app, QGuiApplication):  # none yet
            return False
        palette = app.palette()
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def tone(name: str, dark: bool | None = None) -> tuple[QColor, QColor]:
    """A chip's (text, fill) colours on a dark or light palette (default: the application's)."""
    if dark is None:
        dark = is_dark_palette()
    key = (name, dark)
    if key not in _tones:
        fg, bg = TONES.get(name, TONES["neutral"])[1 if dark else 0]
        _tones[key] = (QColor(fg), QColor(bg))
    return _tones[key]


def palette(dark: bool) -> QPalette:
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
    app.setPalette(palette(is_dark()))
    icons.clear_cache()


def follow_os(app: QApplication, on_change=None) -> None:
    def changed(_scheme) -> None:
        apply(app)
        if on_change is not None:
            on_change()
    app.styleHints().colorSchemeChanged.connect(changed)

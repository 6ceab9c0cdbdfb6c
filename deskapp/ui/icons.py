"""SVG icons from resources/icons, tinted with the palette's text colour so they suit light and dark themes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

_CANDIDATES = (
    Path(__file__).resolve().parents[1] / "resources" / "icons",  # installed / frozen layout
    Path(__file__).resolve().parents[2] / "resources" / "icons",  # source checkout
)


def icon_dir() -> Path | None:
    for folder in _CANDIDATES:
        if folder.is_dir():
            return folder
    return None


@cache
def _svg(name: str) -> bytes | None:
    folder = icon_dir()
    path = folder / f"{name}.svg" if folder else None
    return path.read_bytes() if path and path.is_file() else None


_tint: list[str] = []  # the palette's text colour, looked up once per theme (icons are asked for per row)


def _text_colour() -> str:
    if _tint:
        return _tint[0]
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):  # none yet
        return "#202020"
    _tint.append(app.palette().color(QPalette.ColorRole.WindowText).name())
    return _tint[0]


_cache: dict[tuple[str, str], QIcon] = {}


def icon(name: str, colour: str | None = None) -> QIcon:
    """The icon ``name`` (empty when missing); monochrome icons take ``colour`` or the text colour."""
    tint = colour or _text_colour()
    key = (name, tint)
    if key in _cache:
        return _cache[key]
    data = _svg(name)
    result = QIcon()
    if data:
        if name != "deskapp":
            data = data.replace(b"#000000", tint.encode())
        renderer = QSvgRenderer(QByteArray(data))
        for size in (16, 20, 24, 32, 48, 64):
            pixmap = QPixmap(QSize(size, size))
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter)
            painter.end()
            result.addPixmap(pixmap)
    _cache[key] = result
    return result


def clear_cache() -> None:
    """After a light/dark switch the tint changes."""
    _cache.clear()
    _tint.clear()

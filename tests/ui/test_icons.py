"""ui.icons: SVG icons tinted with the palette's text colour (the app icon keeps its own colours), an empty icon
for a name that has no file, and a cache cleared when the theme switches."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor

from deskapp.ui import icons


def opaque_colours(icon, size: int = 32) -> set[str]:
    image = icon.pixmap(QSize(size, size)).toImage()
    found = set()
    for x in range(size):
        for y in range(size):
            colour = image.pixelColor(x, y)
            if colour.alpha() == 255:
                found.add(colour.name())
    return found


def test_the_icons_folder_is_found(qapp):
    assert icons.icon_dir() is not None and (icons.icon_dir() / "inbox.svg").is_file()


def test_a_monochrome_icon_takes_the_colour_asked_for(qapp):
    red = icons.icon("inbox", "#d93025")
    assert not red.isNull() and opaque_colours(red) == {"#d93025"}


def test_a_missing_icon_is_empty_not_an_error(qapp):
    assert icons.icon("no-such-icon").isNull()


def test_icons_are_cached_until_the_theme_switches(qapp):
    first = icons.icon("search", "#123456")
    assert icons.icon("search", "#123456") is first
    icons.clear_cache()
    assert icons.icon("search", "#123456") is not first


def test_the_app_icon_keeps_its_own_colours(qapp):
    colours = opaque_colours(icons.icon("deskapp", "#d93025"), 64)
    assert colours and colours != {"#d93025"} and QColor("#d93025").name() not in colours

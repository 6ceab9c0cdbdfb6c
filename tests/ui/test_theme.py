"""ui.theme: the light and dark palettes, and chip tones that stay readable (contrast at least 4.5:1) on both."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from deskapp.ui import theme


def luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", [n for n in theme.TONES if not n.startswith("badge")])
@pytest.mark.parametrize("dark", [False, True])
def test_every_chip_tone_reads_at_a_glance_on_both_palettes(name, dark):
    fg, bg = theme.tone(name, dark)
    assert contrast(fg, bg) >= 4.5


@pytest.mark.parametrize("dark", [False, True])
def test_text_on_the_palette_is_readable_and_dark_is_told_apart(dark):
    palette = theme.palette(dark)
    assert theme.is_dark_palette(palette) is dark
    text, base = palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)
    assert contrast(text, base) >= 7
    assert palette.color(QPalette.ColorRole.Highlight) == QColor(theme.ACCENT)


def test_an_unknown_tone_falls_back_to_neutral():
    assert theme.tone("no-such-tone", False) == theme.tone("neutral", False)
    assert theme.tone("no-such-tone", True) == theme.tone("neutral", True)


def test_apply_sets_fusion_and_the_palette_for_the_os_scheme(qapp):
    before = qapp.palette()
    try:
        theme.apply(qapp)
        assert qapp.style().name().lower() == "fusion"
        assert theme.is_dark_palette() is theme.is_dark()
    finally:
        qapp.setPalette(before)

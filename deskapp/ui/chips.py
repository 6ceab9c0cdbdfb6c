"""Chips — small rounded labels for labels, intents, statuses and SLA countdowns — measured and painted
by the conversation list and the customer panel, in the palette's light or dark tones."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter

from deskapp.ui import theme

PAD_X = 6  # text inset inside a chip
GAP = 4  # between two chips


@dataclass(frozen=True)
class Chip:
    text: str
    tone: str = "neutral"  # a key of theme.TONES


def chip_width(metrics: QFontMetrics, chip: Chip) -> int:
    return metrics.horizontalAdvance(chip.text) + 2 * PAD_X


def row_width(metrics: QFontMetrics, chips: list[Chip] | tuple[Chip, ...]) -> int:
    """Width of ``chips`` side by side (0 for none)."""
    if not chips:
        return 0
    return sum(chip_width(metrics, c) for c in chips) + GAP * (len(chips) - 1)


def fit(metrics: QFontMetrics, optional: list[Chip], fixed: list[Chip], width: int) -> list[Chip]:
    """``fixed`` chips always; ``optional`` ones (most important first) as long as they fit in ``width``,
    the rest counted in a "+N" chip. Shown in that order: optional, +N, fixed."""
    for n in range(len(optional), -1, -1):
        more = [Chip(f"+{len(optional) - n}")] if n < len(optional) else []
        candidate = [*optional[:n], *more, *fixed]
        if row_width(metrics, candidate) <= width:
            return candidate
    return list(fixed)


def paint(painter: QPainter, chips: list[Chip] | tuple[Chip, ...], x: int, top: int, height: int,
          metrics: QFontMetrics, *, selected: bool = False) -> int:
    """Paint ``chips`` left to right from ``x`` in a band [top, top + height); returns the x after them.
    On a selected (highlighted) row chips turn translucent white so they stay readable on the accent."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    for chip in chips:
        w = chip_width(metrics, chip)
        if selected:
            fg, bg = QColor("#ffffff"), QColor(255, 255, 255, 56)
        else:
            fg, bg = theme.tone(chip.tone)
        rect = QRectF(x, top, w, height)
        painter.setBrush(bg)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(fg)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), chip.text)
        x += w + GAP
    painter.restore()
    return x

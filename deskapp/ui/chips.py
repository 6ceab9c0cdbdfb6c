"""Chips — small rounded labels for labels, intents, statuses and SLA countdowns — measured and painted
by the conversation list and the customer panel, in the palette's light or dark tones."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap

from deskapp.ui import theme

PAD_X = 6  # text inset inside a chip
GAP = 4  # between two chips
MAX_PIXMAPS = 512


@dataclass(frozen=True)
class Chip:
    text: str
    tone: str = "neutral"  # a key of theme.TONES


class ChipPainter:
    """Chips in one font: widths, what fits, and painting. Chips repeat from row to row (the same
    statuses, intents and labels), so each is rendered once into a pixmap and then only copied: one
    call into Qt per chip while a list scrolls."""

    def __init__(self, font: QFont) -> None:
        self.font = QFont(font)
        self.metrics = QFontMetrics(self.font)
        self.height = self.metrics.height() + 2
        self._widths: dict[str, int] = {}
        self._pixmaps: dict[tuple, QPixmap] = {}

    def width(self, chip: Chip) -> int:
        w = self._widths.get(chip.text)
        if w is None:
            if len(self._widths) > MAX_PIXMAPS * 4:
                self._widths.clear()
            w = self._widths[chip.text] = self.metrics.horizontalAdvance(chip.text) + 2 * PAD_X
        return w

    def row_width(self, chips: list[Chip] | tuple[Chip, ...]) -> int:
        """Width of ``chips`` side by side (0 for none)."""
        if not chips:
            return 0
        return sum(self.width(c) for c in chips) + GAP * (len(chips) - 1)

    def fit(self, optional: list[Chip], fixed: list[Chip], width: int) -> list[Chip]:
        """``fixed`` chips always; ``optional`` ones (most important first) as long as they fit in ``width``,
        the rest counted in a "+N" chip. Shown in that order: optional, +N, fixed."""
        for n in range(len(optional), -1, -1):
            more = [Chip(f"+{len(optional) - n}")] if n < len(optional) else []
            candidate = [*optional[:n], *more, *fixed]
            if self.row_width(candidate) <= width:
                return candidate
        return list(fixed)

    def paint(self, painter: QPainter, chips: list[Chip] | tuple[Chip, ...], x: int, top: int, *,
              selected: bool = False, dark: bool = False) -> int:
        """Paint ``chips`` left to right from ``x``, ``top`` being their upper edge; returns the x after them.
        On a selected (highlighted) row chips turn translucent white so they stay readable on the accent."""
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        for chip in chips:
            key = (chip, selected, dark, ratio)
            pixmap = self._pixmaps.get(key)
            if pixmap is None:
                if len(self._pixmaps) >= MAX_PIXMAPS:
                    self._pixmaps.clear()
                pixmap = self._pixmaps[key] = self._render(chip, selected, dark, ratio)
            painter.drawPixmap(x, top, pixmap)
            x += self.width(chip) + GAP
        return x

    def _render(self, chip: Chip, selected: bool, dark: bool, ratio: float) -> QPixmap:
        w, h = self.width(chip), self.height
        pixmap = QPixmap(round(w * ratio), round(h * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        if selected:
            fg, bg = QColor("#ffffff"), QColor(255, 255, 255, 56)
        else:
            fg, bg = theme.tone(chip.tone, dark)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(bg)
        rect = QRectF(0, 0, w, h)
        p.drawRoundedRect(rect, h / 2, h / 2)
        p.setFont(self.font)
        p.setPen(fg)
        p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), chip.text)
        p.end()
        return pixmap

"""ui.chips: chip widths, what fits in a row (the rest counted in "+N"), and painting each chip once into a
cached pixmap in its tone."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from deskapp.ui import chips, theme
from deskapp.ui.chips import GAP, PAD_X, Chip, ChipPainter


@pytest.fixture
def painter(qapp):
    return ChipPainter(QFont("DejaVu Sans", 9))


def test_a_chip_is_its_text_plus_padding_and_a_row_adds_the_gaps(painter):
    vip, refund = Chip("vip", "label"), Chip("refund", "label")
    assert painter.width(vip) == painter.metrics.horizontalAdvance("vip") + 2 * PAD_X
    assert painter.row_width([]) == 0
    assert painter.row_width([vip, refund]) == painter.width(vip) + painter.width(refund) + GAP


def test_fit_keeps_the_fixed_chips_and_as_many_optional_ones_as_fit(painter):
    labels = [Chip(f"label-{i}", "label") for i in range(5)]
    sla = [Chip("SLA 2h", "warn")]
    everything = painter.row_width([*labels, *sla])
    assert painter.fit(labels, sla, everything) == [*labels, *sla]
    two = painter.fit(labels, sla, painter.row_width([*labels[:2], Chip("+3"), *sla]))
    assert two == [*labels[:2], Chip("+3"), *sla]
    assert painter.fit(labels, sla, 1) == sla  # nothing fits: the fixed ones still show
    assert painter.fit([], [], 0) == []


def test_painting_draws_each_chip_in_its_tone_and_reuses_the_pixmap(painter):
    image = QImage(300, 40, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    chip = Chip("urgent", "alert")
    p = QPainter(image)
    end = painter.paint(p, [chip, chip], 0, 0)
    p.end()
    assert end == 2 * (painter.width(chip) + GAP)
    assert len(painter._pixmaps) == 1  # the second copy was only copied
    fill = theme.tone("alert", False)[1]
    middle_left = image.pixelColor(PAD_X // 2 + 2, painter.height // 2)
    assert abs(middle_left.red() - fill.red()) < 8 and abs(middle_left.green() - fill.green()) < 8


def test_the_caches_stay_bounded(painter, monkeypatch):
    monkeypatch.setattr(chips, "MAX_PIXMAPS", 3)
    image = QImage(100, 40, QImage.Format.Format_ARGB32)
    p = QPainter(image)
    for i in range(10):
        painter.paint(p, [Chip(str(i))], 0, 0)
        assert len(painter._pixmaps) <= 3
    p.end()
    for i in range(20):
        painter.width(Chip(f"w{i}"))
    assert len(painter._widths) <= 3 * 4 + 1

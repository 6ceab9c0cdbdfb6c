"""Renders the app icon SVG to the PNG/ICO/ICNS files the installers need (run by the PyInstaller spec)."""

from __future__ import annotations

import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, out_dir: Path) -> dict[str, Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["make_icons", "-platform", "offscreen"])
    renderer = QSvgRenderer(str(svg))
    out_dir.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        target = out_dir / f"deskapp-{size}.png"
        image.save(str(target))
        made[f"png{size}"] = target
    big = QImage(str(made["png256"]))
    for fmt in ("ico", "icns"):
        target = out_dir / f"deskapp.{fmt}"
        if big.save(str(target), fmt.upper()):  # needs Qt's image format plugins; fine if absent
            made[fmt] = target
    return made


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    for key, path in render(here / "icons" / "deskapp.svg", Path(sys.argv[1]) if len(sys.argv) > 1
                            else here.parent / "build" / "icons").items():
        print(key, path)

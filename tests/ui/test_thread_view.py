"""ui.thread_view: the thread's reading widget loads nothing remote (trackers, files, cid: parts): each request is
refused and noted, also when the layout asks for an image."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument


def test_safe_browser_loads_nothing_remote(qtbot):
    from deskapp.ui.thread_view import SafeBrowser

    view = SafeBrowser()
    qtbot.addWidget(view)
    for url in ("https://tracker.example.com/p.gif", "http://x/y.png", "file:///etc/passwd", "cid:part1"):
        assert view.loadResource(int(QTextDocument.ResourceType.ImageResource), QUrl(url)) is None
    assert len(view.blocked) == 4
    view.setHtml('<img src="https://tracker.example.com/pixel.gif"><p>hi</p>')
    view.show()
    view.document().documentLayout().documentSize()  # lays out: the image is asked for, and refused
    qtbot.waitUntil(lambda: "https://tracker.example.com/pixel.gif" in view.blocked, timeout=3000)

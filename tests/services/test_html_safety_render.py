"""Hostile messages rendered for real (Qt's QTextBrowser, and Chromium via QtWebEngine) while a loopback
HTTP listener counts requests: sanitized output must cause zero; the raw markup (control) must cause some."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deskapp.services.html_safety import sanitize_html


class _Listener:
    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.end_headers()
                self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

            do_POST = do_GET

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Listener:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    with _Listener() as running:
        yield running


def hostile_messages(base: str) -> list[str]:
    """What newsletters, trackers and attackers put in mail; every one points at the listener."""
    u = base
    return [
        f'<p>Your order shipped!</p><img src="{u}/pixel.gif" width="1" height="1" alt="">',
        f'<img srcset="{u}/srcset-1x.png 1x, {u}/srcset-2x.png 2x" alt="logo">',
        f'<picture><source srcset="{u}/picture.webp"><img src="{u}/picture.png"></picture>',
        f'<div style="background:url({u}/css-bg.png);width:100px;height:100px">bg</div>',
        f'<div style="background-image:\\75rl({u}/css-escaped.png);width:90px;height:90px">esc</div>',
        f'<div style="list-style-image:url({u}/list.png);cursor:url({u}/cursor.cur),auto;'
        f'border-image:url({u}/border.png) 30 round;width:80px;height:80px">css</div>',
        f"<style>@import url({u}/import.css); body {{ background: url({u}/style-bg.png) }}</style><p>styled</p>",
        f'<link rel="stylesheet" href="{u}/link.css"><link rel="prefetch" href="{u}/prefetch">',
        f'<meta http-equiv="refresh" content="0;url={u}/refresh"><p>refresh</p>',
        f'<base href="{u}/base/"><img src="relative.png"><a href="rel">rel</a>',
        f'<img src="//127.0.0.1:{u.rsplit(":", 1)[1]}/protocol-relative.png">',
        f'<table background="{u}/table-bg.png"><tr><td background="{u}/td-bg.png">cell</td></tr></table>',
        f'<body background="{u}/body-bg.png"><p>body</p></body>',
        f'<svg width="10" height="10"><image href="{u}/svg-image.png" width="10" height="10"/>'
        f'<use href="{u}/sprite.svg#a"/><style>@import url({u}/svg-style.css);</style></svg>',
        f'<math><mglyph src="{u}/mglyph.png"/><maction actiontype="x" href="{u}/maction">m</maction></math>',
        f'<video poster="{u}/poster.png" src="{u}/video.mp4" autoplay></video>'
        f'<audio src="{u}/audio.mp3" autoplay></audio>',
        f'<iframe src="{u}/iframe.html"></iframe><object data="{u}/object.swf"></object><embed src="{u}/embed">',
        f'<form action="{u}/form" method="post"><input type="image" src="{u}/input-image.png"></form>',
        f'<script>fetch("{u}/script-fetch"); new Image().src="{u}/script-img";</script>',
        f'<img src="x" onerror="new Image().src=\'{u}/onerror\'">',
        f'<a href="https://shop.example" ping="{u}/ping">link</a>',
        f'<noscript><p title="</noscript><img src={u}/mxss.png>"></noscript>',
        f'<img src="data:image/svg+xml;utf8,<svg xmlns=\'http://www.w3.org/2000/svg\'>'
        f'<image href=\'{u}/data-svg.png\'/></svg>">',
        f'<image src="{u}/image-tag.png">',
        f'<div style="width:10px;height:10px;background:#fff url(\'{u}/mixed.png\') no-repeat">mixed</div>',
    ]


def _render_in_text_browser(qtbot, html: str) -> str:
    from PySide6.QtWidgets import QTextBrowser

    browser = QTextBrowser()
    qtbot.addWidget(browser)
    browser.setOpenExternalLinks(False)
    browser.resize(600, 400)
    browser.setHtml(html)
    browser.show()
    qtbot.waitExposed(browser)
    qtbot.wait(50)
    return browser.toPlainText()


def test_sanitized_hostile_messages_cause_no_request_in_qtextbrowser(qtbot, listener: _Listener) -> None:
    for hostile in hostile_messages(listener.base):
        _render_in_text_browser(qtbot, sanitize_html(hostile))
    text = _render_in_text_browser(qtbot, sanitize_html(hostile_messages(listener.base)[0]))
    assert "Your order shipped!" in text
    time.sleep(0.3)
    assert listener.hits == []


_WEBENGINE_SCRIPT = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer, QUrl
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QApplication

app = QApplication([])
view = QWebEngineView()
view.resize(800, 600)
view.show()
for path in sys.argv[1:]:
    loop = QEventLoop()
    view.loadFinished.connect(loop.quit)
    view.setHtml(Path(path).read_text(encoding="utf-8"), QUrl("about:blank"))
    QTimer.singleShot(15000, loop.quit)
    loop.exec()
    view.loadFinished.disconnect(loop.quit)
    settle = QEventLoop()
    QTimer.singleShot(500, settle.quit)  # let late subresources (CSS images, imports) start
    settle.exec()
print("rendered", len(sys.argv) - 1)
"""


def _render_in_chromium(tmp_path: Path, pages: list[str]) -> None:
    files = []
    for index, page in enumerate(pages):
        file = tmp_path / f"page{index}.html"
        file.write_text(f"<!doctype html><html><body>{page}</body></html>", encoding="utf-8")
        files.append(str(file))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1",
           "QTWEBENGINE_CHROMIUM_FLAGS": "--disable-gpu --no-proxy-server"}
    done = subprocess.run([sys.executable, "-c", _WEBENGINE_SCRIPT, *files], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0 and "rendered" in done.stdout, done.stderr[-2000:]


def test_raw_hostile_messages_do_reach_the_listener_in_chromium(tmp_path: Path, listener: _Listener) -> None:
    """The control: unsanitized, a real browser engine fetches from the listener, so zero below means something."""
    raw = hostile_messages(listener.base)
    _render_in_chromium(tmp_path, ["".join(raw[:8])])  # before the meta refresh navigates away
    fetched = {hit.split("?")[0] for hit in listener.hits}
    assert {"/pixel.gif", "/css-bg.png", "/import.css"} <= fetched, fetched


def test_sanitized_hostile_messages_cause_no_request_in_chromium(tmp_path: Path, listener: _Listener) -> None:
    # One page holding every sanitized message: nothing in them can navigate or rebase the page.
    page = "".join(sanitize_html(hostile) for hostile in hostile_messages(listener.base))
    _render_in_chromium(tmp_path, [page])
    time.sleep(0.3)
    assert listener.hits == []


def test_allowed_remote_content_is_fetched_only_when_allowed(tmp_path: Path, listener: _Listener) -> None:
    page = f'<img src="{listener.base}/allowed.png"><p>newsletter</p>'
    _render_in_chromium(tmp_path, [sanitize_html(page), sanitize_html(page, allow_remote=True)])
    assert [hit for hit in listener.hits if hit.startswith("/allowed.png")] == ["/allowed.png"]

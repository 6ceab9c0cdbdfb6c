"""The message written for the browser: customer text escaped, customer HTML sanitized."""

from pathlib import Path

from deskapp.ui.window_links import write_full_message


def test_plain_text_is_escaped_so_it_cannot_run_in_the_browser():
    path = Path(write_full_message(7, None, "<script>alert(1)</script> & <img src=http://x/t.png>"))
    try:
        page = path.read_text(encoding="utf-8")
        assert "<script>" not in page and "<img" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=http://x/t.png&gt;" in page
        assert path.name == "message-7.html" and (path.parent.stat().st_mode & 0o077) == 0  # a private folder
    finally:
        path.unlink()
        path.parent.rmdir()


def test_html_is_sanitized_and_keeps_its_text():
    path = Path(write_full_message(8, "<p onclick='x()'>Hello <b>there</b></p><script>steal()</script>", ""))
    try:
        page = path.read_text(encoding="utf-8")
        assert "Hello <b>there</b>" in page and "onclick" not in page and "steal()" not in page
    finally:
        path.unlink()
        path.parent.rmdir()

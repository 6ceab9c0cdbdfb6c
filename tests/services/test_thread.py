"""Thread loading (paging, timeline, attachments), template context and rendering, remote fetches."""

from __future__ import annotations

import http.server
import threading

import pytest

from deskapp.services import thread
from tests.ui.fill import NOW, add_messages, fill


@pytest.fixture
def filled(db):
    fill(db, conversations=12)
    return db


def test_thread_in_order_with_paging(filled):
    add_messages(filled, 2, 30, start_id=1000)
    t = thread.load_thread(filled, 2, limit=10)
    assert t.total == 34 and len(t.messages) == 10 and t.header.id == 2
    times = [m.sent_at for m in t.messages]
    assert times == sorted(times)
    older = thread.load_thread(filled, 2, limit=10, offset=10)
    assert older.offset == 10 and older.messages[-1].sent_at <= t.messages[0].sent_at
    everything = thread.load_thread(filled, 2, limit=None)
    assert len(everything.messages) == 34 and everything.offset == 0


def test_timeline_spans_the_customers_conversations(filled):
    head = thread.header(filled, 1)
    t = thread.load_timeline(filled, 1, limit=None)
    with filled.read() as conn:
        expected = conn.exec_driver_sql("SELECT count(*) FROM message m JOIN conversation c ON c.id ="
                                        " m.conversation_id WHERE c.customer_id = ?", (head.customer_id,)).scalar()
    assert t.timeline and t.total == expected
    assert len({m.conversation_id for m in t.messages}) > 1
    assert thread.load_thread(filled, 99999).header is None


def test_attachments_are_loaded_with_their_message(filled):
    with filled.write() as conn:
        conn.exec_driver_sql("INSERT INTO message(id, account_id, external_id, conversation_id, direction, sent_at,"
                             " has_attachments) VALUES (5000, 1, 'a', 3, 'in', ?, 1)", (NOW,))
        conn.exec_driver_sql("INSERT INTO attachment(message_id, filename, size) VALUES (5000, 'a.pdf', 10),"
                             " (5000, 'b.png', 20)")
    t = thread.load_thread(filled, 3)
    last = t.messages[-1]
    assert [a.filename for a in last.attachments] == ["a.pdf", "b.png"]


def test_messages_say_who_wrote_them_and_whether_they_were_deleted(filled):
    with filled.write() as conn:
        conn.exec_driver_sql("INSERT INTO message(id, account_id, external_id, conversation_id, direction, sent_at,"
                             " author_name, text, automated, author_kind, deleted) VALUES"
                             " (5100, 1, 'b1', 4, 'out', ?, 'ShopBot', 'Hi!', 1, 'bot', 0),"
                             " (5101, 1, 'b2', 4, 'in', ?, 'Customer', '', 0, 'contact', 1)", (NOW + 5, NOW + 6))
    bot, gone = thread.load_thread(filled, 4).messages[-2:]
    assert (bot.author, bot.author_kind, bot.automated, bot.deleted) == ("ShopBot", "bot", True, False)
    assert (gone.author_kind, gone.deleted, gone.text) == ("contact", True, "")


def test_template_context_and_sandboxed_render(filled):
    ctx = thread.template_context(filled, 1)
    assert ctx["customer"]["first_name"] == "Customer" and ctx["order"]["number"].startswith("#")
    assert ctx["agent"]["name"] == "Maya Agent"
    out = thread.render_template("Hi {{ customer.first_name }}, order {{ order.number }}", ctx)
    assert out.startswith("Hi Customer, order #")
    evil = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    assert thread.render_template(evil, ctx) == evil  # the sandbox refuses; the raw text is shown instead
    assert thread.render_template("{% if %}", ctx) == "{% if %}"


def test_remote_urls_and_fetch_over_loopback(filled, tmp_path):
    html = '<p><img src="https://a.example/x.png"><img src="http://b.example/y.gif?a=1&amp;b=2"></p>'
    assert thread.remote_image_urls(html) == ["https://a.example/x.png", "http://b.example/y.gif?a=1&b=2"]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"x" * (100 if self.path == "/small" else 10_000)
            if self.path.startswith("/blob"):  # a voice note served under a name that says nothing
                body = b"OggS\x00\x02" + b"\x00" * 50
            self.send_response(200 if self.path != "/missing" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert thread.fetch_remote(base + "/small") == b"x" * 100
        assert thread.fetch_remote(base + "/big", max_bytes=1000) is None
        assert thread.fetch_remote(base + "/missing") is None
        assert thread.fetch_remote("file:///etc/passwd") is None
        with filled.write() as conn:
            conn.exec_driver_sql("INSERT INTO message(id, account_id, external_id, conversation_id, direction,"
                                 " sent_at, has_attachments) VALUES (6000, 1, 'f', 3, 'in', ?, 1)", (NOW,))
            conn.exec_driver_sql("INSERT INTO attachment(id, message_id, filename, size, url) VALUES"
                                 " (77, 6000, '../../evil name.txt', 100, ?)", (base + "/small",))
        path = thread.fetch_attachment(filled, tmp_path, 77)
        assert path is not None and path.read_bytes() == b"x" * 100
        assert path.parent.parent.parent == tmp_path and ".." not in path.name
        assert thread.fetch_attachment(filled, tmp_path, 77) == path  # kept locally: no second download
        with filled.write() as conn:
            conn.exec_driver_sql("INSERT INTO attachment(id, message_id, filename, content_type, size, url) VALUES"
                                 " (78, 6000, 'y', 'audio/*', 56, ?), (79, 6000, 'z.bin', 'application/x-mine', 56,"
                                 " ?)", (base + "/blob/y", base + "/blob/z"))
        thread.fetch_attachment(filled, tmp_path, 78)
        thread.fetch_attachment(filled, tmp_path, 79)
        assert thread.attachment(filled, 78).content_type == "audio/ogg"  # the bytes told what it is
        assert thread.attachment(filled, 79).content_type == "application/x-mine"  # a precise type is kept
    finally:
        server.shutdown()

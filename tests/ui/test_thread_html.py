"""ui.thread_html: thread messages as the HTML blocks the thread view shows: customer HTML sanitized, remote
images blocked until allowed, huge bodies shown as text in parts, bots and deletions said for what they are."""

from __future__ import annotations

from deskapp.store.thread_rows import AttachmentInfo, ThreadMessage
from deskapp.ui.thread_html import (
    MAX_HTML_CHARS,
    MAX_TEXT_CHARS,
    TEXT_PART_CHARS,
    html_to_text,
    human_size,
    render_all,
    render_message,
    text_to_html,
)


def message(**kw) -> ThreadMessage:
    fields = {"id": 7, "conversation_id": 3, "channel": "email", "direction": "in", "author": "Ana Lima",
              "text": "", "html": "", "sent_at": 1748865600, "delivery": "received", "automated": False}
    return ThreadMessage(**{**fields, **kw})


def test_text_is_escaped_and_links_and_line_breaks_kept():
    assert text_to_html("a < b & c\nsee https://shop.example/o/1?x=1") == (
        'a &lt; b &amp; c<br>see <a href="https://shop.example/o/1?x=1">https://shop.example/o/1?x=1</a>')
    assert text_to_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_html_to_text_drops_styles_scripts_and_tags_and_keeps_the_lines():
    raw = "<head><title>x</title></head><style>p{color:red}</style><p>Hello&nbsp;there</p><div>line 2<br>3</div>"
    assert html_to_text(raw).strip() == "Hello\xa0there\nline 2\n3"


def test_human_sizes():
    assert [human_size(s) for s in (0, 1023, 1024, 5 * 1024 * 1024, 3 * 1024 ** 4)] == [
        "0 B", "1023 B", "1.0 KB", "5.0 MB", "3072.0 GB"]


def test_hostile_customer_html_is_sanitized_and_remote_images_blocked():
    hostile = ('<p onclick="steal()">Hi</p><script>alert(1)</script><img src="https://tracker.example/p.gif">'
               '<a href="javascript:alert(2)">click</a>')
    shown = render_message(message(html=hostile))
    assert "Hi" in shown.html and shown.remote_images and not shown.truncated
    for bad in ("<script", "onclick", "javascript:", "tracker.example"):
        assert bad not in shown.html
    assert 'href="deskapp:load-images/7"' in shown.html


def test_remote_images_load_once_the_agent_allows_them():
    shown = render_all([message(html='<p>Look</p><img src="https://cdn.example/shoe.jpg">')], allowed=frozenset({7}))
    assert not shown[0].remote_images and "https://cdn.example/shoe.jpg" in shown[0].html


def test_a_huge_html_body_is_shown_as_text_with_a_link_to_the_whole_message():
    huge = "<table>" + "<tr><td>row &amp; more</td></tr>" * (MAX_HTML_CHARS // 10) + "</table>"
    shown = render_message(message(html=huge))
    assert shown.truncated and "<table><tr>" not in "".join(shown.parts)
    assert 'href="deskapp:full-message/7"' in shown.html
    assert all(len(part) < 2 * TEXT_PART_CHARS for part in shown.more)


def test_long_text_comes_in_parts_cut_at_line_ends_and_is_cut_short_past_the_limit():
    text = ("a line of a very long complaint\n" * (MAX_TEXT_CHARS // 16))
    shown = render_message(message(text=text))
    assert shown.truncated and len(shown.more) >= 2
    assert all(part.removesuffix("</div>").endswith("<br>") for part in shown.more[:-1])  # whole lines
    short = render_message(message(text="x" * (TEXT_PART_CHARS + 10)))
    assert short.more and not render_message(message(text="short")).more


def test_who_wrote_it_bots_notes_and_failed_deliveries_are_said():
    bot = render_message(message(direction="out", author="", author_kind="bot", text="Auto answer", automated=True))
    assert "Bot" in bot.html and "automated" not in bot.html
    note = render_message(message(direction="note", author="Me", text="call her", delivery="queued"))
    assert "Internal note" in note.html and "<i>queued</i>" in note.html
    reply = render_message(message(direction="out", author="Me", text="done", delivery="sent"))
    assert "Reply" in reply.html and "<i>" not in reply.html


def test_hostile_author_and_attachment_names_are_escaped():
    shown = render_message(message(author="<b>boss</b>", text="hi", attachments=[
        AttachmentInfo(1, "<img src=x onerror=alert(1)>.pdf", "application/pdf", 2048, "", None)]))
    assert "&lt;b&gt;boss&lt;/b&gt;" in shown.html and "<img src=x" not in shown.html
    assert 'href="deskapp:attachment/1"' in shown.html and "(2.0 KB)" in shown.html


def test_deleted_empty_and_activity_messages():
    assert "message deleted" in render_message(message(text="secret", deleted=True)).html
    assert "secret" not in render_message(message(text="secret", deleted=True)).html
    assert "(no text)" in render_message(message(text="")).html
    activity = render_message(message(direction="activity", text="Assigned to <Ana>\n\n by   bot"))
    assert "Assigned to &lt;Ana&gt; by bot" in activity.html and not activity.more


def test_the_timeline_links_each_message_to_its_conversation():
    assert 'href="deskapp:conversation/3"' in render_message(message(text="x"), timeline=True).html
    assert "deskapp:conversation/" not in render_message(message(text="x")).html

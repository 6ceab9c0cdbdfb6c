"""Turns thread messages into the HTML blocks the thread view shows (runs on worker threads, no Qt).

Customer HTML goes through ``sanitize_html`` first, always; bodies too big to lay out quickly are
shown as text with a link to the whole message, so a 10 MB newsletter never freezes the window.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime

from deskapp.services.html_safety import sanitize_html
from deskapp.services.inbox import channel_title
from deskapp.services.thread import ThreadMessage

MAX_HTML_CHARS = 60_000  # sanitized HTML beyond this is shown as text (one HTML block is laid out at once)
MAX_TEXT_CHARS = 60_000  # text beyond this: the start, and a link to the whole message
TEXT_PART_CHARS = 6_000  # long text is inserted in parts of this size, one event-loop turn each
_REMOTE_IMG = re.compile(r"<img[^>]+src\s*=\s*[\"']?\s*https?:", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
# An <img> whose src the sanitizer removed would show Qt's broken-image box: drop the tag itself.
_SRCLESS_IMG = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
_URL = re.compile(r"(https?://[^\s<>&\"']+)")
_STYLE_BLOCKS = re.compile(r"<(style|script|head)[^>]*>.*?</\1>", re.IGNORECASE | re.DOTALL)

NOTE_BG = {"light": "#fff4c2", "dark": "#4a4220"}
OUT_BG = {"light": "#e8f0fe", "dark": "#1f2f4a"}
IN_BG = {"light": "#ffffff", "dark": "#26282c"}
MUTED = {"light": "#6e7781", "dark": "#9aa0a6"}


@dataclass
class RenderedMessage:
    message_id: int
    html: str
    remote_images: bool  # the body asks for remote images (blocked until the agent allows them)
    truncated: bool
    more: tuple[str, ...] = ()  # continuation parts of a long body, inserted after ``html``

    @property
    def parts(self) -> list[str]:
        return [self.html, *self.more]


def _split_text(text: str) -> list[str]:
    """Long text in parts cut at line ends, each small enough to lay out quickly."""
    parts, start = [], 0
    while start < len(text):
        end = min(len(text), start + TEXT_PART_CHARS)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        parts.append(text[start:end])
        start = end
    return parts


def when(epoch: int | None) -> str:
    if not epoch:
        return ""
    return datetime.fromtimestamp(epoch).strftime("%d %b %Y %H:%M")


def text_to_html(text: str) -> str:
    escaped = html_lib.escape(text)
    escaped = _URL.sub(r'<a href="\1">\1</a>', escaped)
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


def html_to_text(raw: str) -> str:
    without = _STYLE_BLOCKS.sub(" ", raw)
    without = re.sub(r"<(br|/p|/div|/tr|/li|/h\d)[^>]*>", "\n", without, flags=re.IGNORECASE)
    return html_lib.unescape(_TAG.sub("", without))


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def body_html(m: ThreadMessage, *, allow_remote: bool = False) -> tuple[list[str], bool, bool]:
    """(html parts, has blocked remote images, truncated) for one message's body."""
    if m.html:
        remote = bool(_REMOTE_IMG.search(m.html)) and not allow_remote
        if len(m.html) <= MAX_HTML_CHARS * 4:
            clean = _SRCLESS_IMG.sub("", sanitize_html(m.html, allow_remote=allow_remote))
            if len(clean) <= MAX_HTML_CHARS:
                return [clean], remote, False
        plain = m.text or html_to_text(m.html)
        return [text_to_html(p) for p in _split_text(plain[:MAX_TEXT_CHARS])], False, True
    text = m.text[:MAX_TEXT_CHARS]
    parts = [text_to_html(p) for p in _split_text(text)] if len(text) > TEXT_PART_CHARS else [text_to_html(text)]
    return parts, False, len(m.text) > MAX_TEXT_CHARS


AUTOMATED_LABELS = {"bot": "Bot", "system": "Automated"}


def render_message(m: ThreadMessage, *, scheme: str = "light", allow_remote: bool = False,
                   timeline: bool = False) -> RenderedMessage:
    muted = MUTED[scheme]
    if m.direction == "activity":
        text = html_lib.escape(" ".join((m.text or html_to_text(m.html)).split())[:500])
        return RenderedMessage(m.id, f'<p align="center" style="color:{muted}; font-size:small;">'
                                     f'{text} · {when(m.sent_at)}</p>', False, False)
    if m.direction == "note":
        bg, label = NOTE_BG[scheme], "Internal note"
    elif m.direction == "out":
        # a bot's, an automation's or a campaign's message is shown as theirs, never as an agent's reply
        bg, label = OUT_BG[scheme], AUTOMATED_LABELS.get(m.author_kind, "Reply")
    else:
        bg, label = IN_BG[scheme], "Customer"
    marker = channel_title(m.channel)
    author = html_lib.escape(m.author or label)
    if m.deleted:
        return RenderedMessage(m.id, f'<p style="color:{muted};"><b>{author}</b> · {label} · [{marker}] · '
                                     f"{when(m.sent_at)} · <i>message deleted</i></p>", False, False)
    bodies, remote, truncated = body_html(m, allow_remote=allow_remote)
    body = bodies[0] if bodies else ""
    extras = []
    if m.automated and m.author_kind not in AUTOMATED_LABELS:
        extras.append("automated")
    if m.direction in ("out", "note") and m.delivery not in ("received", "sent", "delivered", "read"):
        extras.append(m.delivery)
    tail = f" · <i>{' · '.join(extras)}</i>" if extras else ""
    conv_link = f' · <a href="deskapp:conversation/{m.conversation_id}">conversation</a>' if timeline else ""
    head = (f'<b>{author}</b> <span style="color:{muted};">· {label} · [{marker}] · {when(m.sent_at)}'
            f"{tail}{conv_link}</span>")
    notices = []
    if remote:
        notices.append(f'<a href="deskapp:load-images/{m.id}">Remote images blocked — load images</a>')
    if truncated:
        notices.append(f'<span style="color:{muted};">Long message shown as text — </span>'
                       f'<a href="deskapp:full-message/{m.id}">open the whole message</a>')
    files = []
    for a in m.attachments:
        files.append(f'📎 <a href="deskapp:attachment/{a.id}">{html_lib.escape(a.filename)}</a> '
                     f'<span style="color:{muted};">({human_size(a.size)})</span>')
    if not body.strip() and not files and len(bodies) <= 1:
        body = f'<span style="color:{muted};">(no text)</span>'
    parts = [head]
    if notices:
        parts.append(f'<p style="font-size:small;">{" · ".join(notices)}</p>')
    parts.append(f"<div>{body}</div>")
    if files:
        parts.append("<p>" + "<br>".join(files) + "</p>")
    border = "#e0b400" if m.direction == "note" else ("#2f6fde" if m.direction == "out" else "#c8ccd0")
    if m.html and len(bodies) == 1:
        # Mail HTML brings its own tables; nested in our card's table cell they cost several times more to
        # lay out, so an HTML message gets a coloured header line and an indented body instead.
        block = (f'<p style="background-color:{bg}; margin-top:8px; margin-bottom:0px;">'
                 f'<span style="color:{border};">▍</span>{head}</p>'
                 f'<div style="margin-left:12px; margin-right:6px; margin-bottom:6px;">{"".join(parts[1:])}</div>')
    else:
        block = (f'<table width="100%" cellspacing="0" cellpadding="8" style="margin-top:6px; margin-bottom:6px;'
                 f' border-left: 3px solid {border};" bgcolor="{bg}"><tr><td>{"".join(parts)}</td></tr></table>')
    # A table cell is laid out in one go: a long body continues below it in separate parts instead.
    more = tuple(f'<div style="margin-left:11px; margin-right:8px;">{b}</div>' for b in bodies[1:])
    return RenderedMessage(m.id, block, remote, truncated or len(bodies) > 1, more)


def render_all(messages: list[ThreadMessage], *, scheme: str = "light", allowed: frozenset[int] = frozenset(),
               timeline: bool = False) -> list[RenderedMessage]:
    return [render_message(m, scheme=scheme, allow_remote=m.id in allowed, timeline=timeline) for m in messages]

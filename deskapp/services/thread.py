"""A conversation's thread for the UI: header, messages in order (or the customer's whole timeline), attachments.

Reads only; everything here runs on a worker thread and returns plain data. Remote images and
attachments are fetched only when the agent asks for them (``fetch_remote``, ``fetch_attachment``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deskapp.connectors import filetype
from deskapp.store import customer_profile, team_directory, thread_rows
from deskapp.store.engine import Database
from deskapp.store.thread_rows import AttachmentInfo, ThreadHeader, ThreadMessage

# The thread's records are the store's read model, offered to the UI from here.
__all__ = ["AttachmentInfo", "Thread", "ThreadHeader", "ThreadMessage", "attachment", "fetch_attachment",
           "fetch_remote", "header", "load_thread", "load_timeline", "remote_image_urls", "render_template",
           "template_context"]

MAX_REMOTE_BYTES = 8_000_000


@dataclass
class Thread:
    header: ThreadHeader | None
    messages: list[ThreadMessage]
    total: int  # messages in scope; more than len(messages) when older ones were left out
    timeline: bool = False
    offset: int = 0  # how many newer messages were skipped (paging back through a long thread)


def header(db: Database, conversation_id: int) -> ThreadHeader | None:
    return thread_rows.header(db, conversation_id)


def load_thread(db: Database, conversation_id: int, *, limit: int | None = 200, offset: int = 0) -> Thread:
    """``limit`` messages of a conversation, the newest ``offset`` skipped, oldest first (None: all)."""
    messages, total = thread_rows.conversation_messages(db, conversation_id, limit, offset)
    return Thread(header(db, conversation_id), messages, total, offset=offset if limit else 0)


def load_timeline(db: Database, conversation_id: int, *, limit: int | None = 200, offset: int = 0) -> Thread:
    """The customer's messages across every conversation and channel, oldest first."""
    head = header(db, conversation_id)
    if head is None or head.customer_id is None:
        return load_thread(db, conversation_id, limit=limit, offset=offset)
    messages, total = thread_rows.customer_messages(db, head.customer_id, limit, offset)
    return Thread(head, messages, total, timeline=True, offset=offset if limit else 0)


# --- remote content, only on request -----------------------------------------------------------------

_IMG_SRC = re.compile(r"<img[^>]+src=[\"'](https?://[^\"']+)[\"']", re.IGNORECASE)


def remote_image_urls(html: str) -> list[str]:
    """The http(s) image addresses an allowed (sanitized with allow_remote) message would show."""
    seen: dict[str, None] = {}
    for url in _IMG_SRC.findall(html or ""):
        seen.setdefault(url.replace("&amp;", "&"), None)
    return list(seen)


def fetch_remote(url: str, *, timeout: float = 10.0, max_bytes: int = MAX_REMOTE_BYTES) -> bytes | None:
    """One remote resource the agent asked for; None when it fails or is too big."""
    import requests

    if not re.match(r"https?://", url, re.IGNORECASE):
        return None
    try:
        with requests.get(url, timeout=timeout, stream=True) as resp:
            if resp.status_code != 200:
                return None
            data = bytearray()
            for chunk in resp.iter_content(65536):
                data.extend(chunk)
                if len(data) > max_bytes:
                    return None
            return bytes(data)
    except requests.RequestException:
        return None


def attachment(db: Database, attachment_id: int) -> AttachmentInfo | None:
    return thread_rows.attachment(db, attachment_id)


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"\.{2,}", ".", re.sub(r"[^\w.\- ]+", "_", name)).strip(" .") or "attachment"
    return cleaned[:120]


def fetch_attachment(db: Database, attachments_dir: Path, attachment_id: int) -> Path | None:
    """A local copy of an attachment (downloaded once into the data folder); None when unavailable."""
    info = attachment(db, attachment_id)
    if info is None:
        return None
    if info.local_path and Path(info.local_path).is_file():
        return Path(info.local_path)
    data = fetch_remote(info.url, timeout=30, max_bytes=200_000_000) if info.url else None
    if data is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    folder = attachments_dir / digest[:2] / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(info.filename)
    path.write_bytes(data)
    # services often name only the family ("image") or nothing: the bytes say what the file is
    sniffed = filetype.sniff(data) if filetype.is_vague(info.content_type) else None
    thread_rows.record_download(db, attachment_id, str(path), digest, sniffed or info.content_type)
    return path


# --- templates for the composer's picker (rendered with the customer's and latest order's data) ----------


def template_context(db: Database, conversation_id: int) -> dict[str, Any]:
    """What a template may read: the customer, their latest order and the agent (nothing else)."""
    head = header(db, conversation_id)
    context: dict[str, Any] = {"customer": {}, "order": {}, "agent": {}, "conversation": {}}
    if head is None:
        return context
    name = head.customer if head.customer != "(unknown)" else ""
    context["conversation"] = {"subject": head.subject, "channel": head.channel, "id": head.external_id}
    with db.read() as conn:
        email = customer_profile.first_email(conn, head.customer_id) if head.customer_id else None
        order = customer_profile.latest_order(conn, head.customer_id) if head.customer_id else None
        me = team_directory.me_on_account(conn, head.account_id)
    context["customer"] = {"name": name, "first_name": name.split(" ")[0] if name else "", "email": email or ""}
    if order is not None:
        tracking = json.loads(order["tracking_urls"] or "[]")
        numbers = json.loads(order["tracking_numbers"] or "[]")
        context["order"] = {"number": order["number"],
                            "status": order["fulfillment_status"] or order["financial_status"],
                            "financial_status": order["financial_status"],
                            "fulfillment_status": order["fulfillment_status"], "total": order["total"],
                            "currency": order["currency"], "tracking_url": tracking[0] if tracking else "",
                            "tracking_number": numbers[0] if numbers else ""}
    if me is not None:
        my_name, my_email = me
        context["agent"] = {"name": my_name, "first_name": (my_name or "").split(" ")[0], "email": my_email}
    return context


def render_template(body: str, context: dict[str, Any]) -> str:
    """Jinja2 in a sandbox: the template reads its context and nothing else; errors show the raw body."""
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    try:
        return ImmutableSandboxedEnvironment(autoescape=False).from_string(body).render(**context)
    except TemplateError:
        return body

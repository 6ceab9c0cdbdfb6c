"""A conversation's thread for the UI: header, messages in order (or the customer's whole timeline), attachments.

Reads only; everything here runs on a worker thread and returns plain data. Remote images and
attachments are fetched only when the agent asks for them (``fetch_remote``, ``fetch_attachment``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text

from deskapp.connectors import filetype
from deskapp.store.engine import Database

MAX_REMOTE_BYTES = 8_000_000


@dataclass
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int
    url: str
    local_path: str | None


@dataclass
class ThreadMessage:
    id: int
    conversation_id: int
    channel: str
    direction: str
    author: str
    text: str
    html: str
    sent_at: int
    delivery: str
    automated: bool
    attachments: list[AttachmentInfo] = field(default_factory=list)
    author_kind: str = ""  # agent | bot | contact | system | '' (unknown)
    deleted: bool = False


@dataclass
class ThreadHeader:
    id: int
    account_id: int
    external_id: str
    customer_id: int | None
    customer: str
    channel: str
    subject: str
    status: str
    priority: str
    assignee_id: int | None
    assignee: str
    team_id: int | None
    team: str
    labels: list[str]
    intent: str | None
    urgency: str | None
    sentiment: str | None
    snoozed_until: int | None
    sla_due_at: int | None
    first_response_at: int | None
    created_at: int
    inbox_name: str


@dataclass
class Thread:
    header: ThreadHeader | None
    messages: list[ThreadMessage]
    total: int  # messages in scope; more than len(messages) when older ones were left out
    timeline: bool = False
    offset: int = 0  # how many newer messages were skipped (paging back through a long thread)


def header(db: Database, conversation_id: int) -> ThreadHeader | None:
    with db.read() as conn:
        r = conn.execute(text(
            "SELECT c.*, coalesce(cu.name, '') AS customer_name, coalesce(ag.name, '') AS assignee_name,"
            " coalesce(tm.name, '') AS team_name FROM conversation c"
            " LEFT JOIN customer cu ON cu.id = c.customer_id LEFT JOIN agent ag ON ag.id = c.assignee_id"
            " LEFT JOIN team tm ON tm.id = c.team_id WHERE c.id = :id"), {"id": conversation_id}).first()
    if r is None:
        return None
    try:
        labels = [str(x) for x in json.loads(r.labels or "[]")]
    except (ValueError, TypeError):
        labels = []
    return ThreadHeader(
        id=r.id, account_id=r.account_id, external_id=r.external_id, customer_id=r.customer_id,
        customer=r.customer_name or "(unknown)", channel=r.channel, subject=r.subject or "", status=r.status,
        priority=r.priority, assignee_id=r.assignee_id, assignee=r.assignee_name, team_id=r.team_id,
        team=r.team_name, labels=labels, intent=r.intent, urgency=r.urgency, sentiment=r.sentiment,
        snoozed_until=r.snoozed_until, sla_due_at=r.sla_due_at, first_response_at=r.first_response_at,
        created_at=r.created_at, inbox_name=r.inbox_name or "")


_ATTACHMENTS_SQL = text(
    "SELECT id, message_id, filename, content_type, size, url, local_path FROM attachment"
    " WHERE message_id IN :ids ORDER BY id").bindparams(bindparam("ids", expanding=True))


def _messages(conn, where: str, params: dict[str, Any], limit: int | None,
              offset: int = 0) -> tuple[list[ThreadMessage], int]:
    total = conn.execute(text(f"SELECT count(*) FROM message m JOIN conversation c ON c.id = m.conversation_id"
                              f" WHERE {where}"), params).scalar() or 0
    sql = (f"SELECT m.id, m.conversation_id, c.channel, m.direction, m.author_name, m.text, m.html, m.sent_at,"
           f" m.delivery, m.automated, m.has_attachments, m.author_kind, m.deleted FROM message m JOIN conversation c"
           f" ON c.id = m.conversation_id WHERE {where} ORDER BY m.sent_at DESC, m.id DESC")
    if limit:
        sql += f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
    rows = list(reversed(conn.execute(text(sql), params).all()))
    messages = [ThreadMessage(id=r.id, conversation_id=r.conversation_id, channel=r.channel, direction=r.direction,
                              author=r.author_name or "", text=r.text or "", html=r.html or "", sent_at=r.sent_at,
                              delivery=r.delivery, automated=bool(r.automated), author_kind=r.author_kind or "",
                              deleted=bool(r.deleted)) for r in rows]
    with_files = [m.id for m, r in zip(messages, rows, strict=True) if r.has_attachments]
    if with_files:
        by_id = {m.id: m for m in messages}
        for start in range(0, len(with_files), 500):
            for a in conn.execute(_ATTACHMENTS_SQL, {"ids": with_files[start:start + 500]}):
                by_id[a.message_id].attachments.append(AttachmentInfo(
                    id=a.id, filename=a.filename, content_type=a.content_type, size=a.size, url=a.url,
                    local_path=a.local_path))
    return messages, int(total)


def load_thread(db: Database, conversation_id: int, *, limit: int | None = 200, offset: int = 0) -> Thread:
    """``limit`` messages of a conversation, the newest ``offset`` skipped, oldest first (None: all)."""
    with db.read() as conn:
        messages, total = _messages(conn, "m.conversation_id = :cid", {"cid": conversation_id}, limit, offset)
    return Thread(header(db, conversation_id), messages, total, offset=offset if limit else 0)


def load_timeline(db: Database, conversation_id: int, *, limit: int | None = 200, offset: int = 0) -> Thread:
    """The customer's messages across every conversation and channel, oldest first."""
    head = header(db, conversation_id)
    if head is None or head.customer_id is None:
        return load_thread(db, conversation_id, limit=limit, offset=offset)
    with db.read() as conn:
        messages, total = _messages(conn, "c.customer_id = :cust", {"cust": head.customer_id}, limit, offset)
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
    with db.read() as conn:
        a = conn.execute(text("SELECT id, filename, content_type, size, url, local_path FROM attachment"
                              " WHERE id = :id"), {"id": attachment_id}).first()
    return AttachmentInfo(a.id, a.filename, a.content_type, a.size, a.url, a.local_path) if a else None


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
    with db.write() as conn:
        conn.execute(text("UPDATE attachment SET local_path = :p, sha256 = :s, content_type = :t WHERE id = :id"),
                     {"p": str(path), "s": digest, "t": sniffed or info.content_type, "id": attachment_id})
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
        email = conn.execute(text("SELECT value FROM customer_identity WHERE customer_id = :c AND kind = 'email'"
                                  " LIMIT 1"), {"c": head.customer_id}).scalar() if head.customer_id else None
        order = conn.execute(text('SELECT number, financial_status, fulfillment_status, total, currency,'
                                  ' tracking_numbers, tracking_urls FROM "order" WHERE customer_id = :c'
                                  " ORDER BY placed_at DESC LIMIT 1"), {"c": head.customer_id}).first() \
            if head.customer_id else None
        me = conn.execute(text("SELECT name, email FROM agent WHERE is_me = 1 AND account_id = :a LIMIT 1"),
                          {"a": head.account_id}).first()
    context["customer"] = {"name": name, "first_name": name.split(" ")[0] if name else "", "email": email or ""}
    if order is not None:
        tracking = json.loads(order.tracking_urls or "[]")
        numbers = json.loads(order.tracking_numbers or "[]")
        context["order"] = {"number": order.number, "status": order.fulfillment_status or order.financial_status,
                            "financial_status": order.financial_status,
                            "fulfillment_status": order.fulfillment_status, "total": order.total,
                            "currency": order.currency, "tracking_url": tracking[0] if tracking else "",
                            "tracking_number": numbers[0] if numbers else ""}
    if me is not None:
        context["agent"] = {"name": me.name, "first_name": (me.name or "").split(" ")[0], "email": me.email}
    return context


def render_template(body: str, context: dict[str, Any]) -> str:
    """Jinja2 in a sandbox: the template reads its context and nothing else; errors show the raw body."""
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    try:
        return ImmutableSandboxedEnvironment(autoescape=False).from_string(body).render(**context)
    except TemplateError:
        return body

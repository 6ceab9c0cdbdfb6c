"""A conversation's thread as the cache holds it, for services.thread: the header, messages newest first in
pages (of one conversation or of one customer across channels) with their attachments, attachment rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, text

from deskapp.store.engine import Database
from deskapp.store.ingest_util import chunks


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


def header(db: Database, conversation_id: int) -> ThreadHeader | None:
    """The conversation with its customer's, assignee's and team's names; None when there is no such one."""
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


def _messages(conn: Connection, where: str, params: dict[str, Any], limit: int | None,
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
        for chunk in chunks(with_files):
            for a in conn.execute(_ATTACHMENTS_SQL, {"ids": chunk}):
                by_id[a.message_id].attachments.append(AttachmentInfo(
                    id=a.id, filename=a.filename, content_type=a.content_type, size=a.size, url=a.url,
                    local_path=a.local_path))
    return messages, int(total)


def conversation_messages(db: Database, conversation_id: int, limit: int | None,
                          offset: int) -> tuple[list[ThreadMessage], int]:
    """``limit`` messages of a conversation, the newest ``offset`` skipped, oldest first; and how many it has."""
    with db.read() as conn:
        return _messages(conn, "m.conversation_id = :cid", {"cid": conversation_id}, limit, offset)


def customer_messages(db: Database, customer_id: int, limit: int | None,
                      offset: int) -> tuple[list[ThreadMessage], int]:
    """The same over every conversation of one customer."""
    with db.read() as conn:
        return _messages(conn, "c.customer_id = :cust", {"cust": customer_id}, limit, offset)


def attachment(db: Database, attachment_id: int) -> AttachmentInfo | None:
    with db.read() as conn:
        a = conn.execute(text("SELECT id, filename, content_type, size, url, local_path FROM attachment"
                              " WHERE id = :id"), {"id": attachment_id}).first()
    return AttachmentInfo(a.id, a.filename, a.content_type, a.size, a.url, a.local_path) if a else None


def record_download(db: Database, attachment_id: int, path: str, sha256: str, content_type: str) -> None:
    """Where the downloaded copy of an attachment lies, its hash and its (possibly sniffed) type."""
    with db.write() as conn:
        conn.execute(text("UPDATE attachment SET local_path = :p, sha256 = :s, content_type = :t WHERE id = :id"),
                     {"p": path, "s": sha256, "t": content_type, "id": attachment_id})

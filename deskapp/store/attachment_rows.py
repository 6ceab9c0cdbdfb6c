"""Attachment rows as stored (names, types, sizes, content hashes), for services.attachments."""

from __future__ import annotations

from typing import NamedTuple

from deskapp.store.engine import Database


class StoredAttachment(NamedTuple):
    id: int
    message_id: int
    filename: str
    content_type: str
    size: int
    url: str | None  # "cid:<content-id>" for an inline part
    sha256: str | None  # None when the bytes were not kept


def of_message(db: Database, message_id: int) -> list[StoredAttachment]:
    with db.read() as conn:
        found = conn.exec_driver_sql(
            "SELECT id, message_id, filename, content_type, size, url, sha256 FROM attachment"
            " WHERE message_id = ? ORDER BY id", (message_id,)).all()
    return [StoredAttachment(*row) for row in found]


def by_id(db: Database, attachment_id: int) -> StoredAttachment | None:
    with db.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT id, message_id, filename, content_type, size, url, sha256 FROM attachment WHERE id = ?",
            (attachment_id,)).first()
    return StoredAttachment(*row) if row is not None else None

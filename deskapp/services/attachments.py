"""Attachments of synced messages for the thread view: list them, open them, save them, inline cid: images.

Bytes live once per sha256 under the data folder (deskapp.store.mail_blobs); these functions hand
the UI real files. Names from mail are untrusted: they are cleaned before they touch the file system,
and saving never overwrites an existing file.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from deskapp.store import attachment_rows
from deskapp.store.attachment_rows import StoredAttachment
from deskapp.store.engine import Database
from deskapp.store.mail_blobs import blob_path, named_path, safe_filename


class _Workspace(Protocol):
    db: Database


class AttachmentMissing(LookupError):
    """No such attachment, or its bytes were not kept (over the size limit)."""


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    message_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    content_id: str | None  # for inline images referenced as cid: in the HTML
    available: bool  # the bytes are on disk


def _blob_root(ws: _Workspace) -> Path:
    return Path(ws.db.path).resolve().parent / "attachments"


def _info(ws: _Workspace, row: StoredAttachment) -> AttachmentInfo:
    sha = row.sha256 or ""
    available = bool(sha) and blob_path(_blob_root(ws), sha).is_file()
    url = row.url or ""
    return AttachmentInfo(row.id, row.message_id, row.filename, row.content_type, row.size, sha,
                          url[4:] if url.startswith("cid:") else None, available)


def list_attachments(ws: _Workspace, message_id: int) -> list[AttachmentInfo]:
    return [_info(ws, row) for row in attachment_rows.of_message(ws.db, message_id)]


def get_attachment(ws: _Workspace, attachment_id: int) -> AttachmentInfo:
    row = attachment_rows.by_id(ws.db, attachment_id)
    if row is None:
        raise AttachmentMissing(f"no attachment {attachment_id}")
    return _info(ws, row)


def attachment_file(ws: _Workspace, attachment_id: int) -> Path:
    """The stored bytes (content-addressed; do not hand this path to the user to edit)."""
    info = get_attachment(ws, attachment_id)
    if not info.available:
        raise AttachmentMissing(f"{info.filename} was not downloaded (larger than the size limit)")
    return blob_path(_blob_root(ws), info.sha256)


def open_copy(ws: _Workspace, attachment_id: int) -> Path:
    """The file under its own (cleaned) name, for the OS's "open with": the extension picks the app."""
    info = get_attachment(ws, attachment_id)
    attachment_file(ws, attachment_id)
    return named_path(_blob_root(ws), info.sha256, info.filename)


def save_attachment(ws: _Workspace, attachment_id: int, destination: Path) -> Path:
    """Copies the attachment to ``destination`` (a folder: under its cleaned name); never overwrites."""
    info = get_attachment(ws, attachment_id)
    source = attachment_file(ws, attachment_id)
    destination = Path(destination)
    target = destination / safe_filename(info.filename) if destination.is_dir() else destination
    stem, suffix, number = target.stem, target.suffix, 1
    while target.exists():
        target = target.with_name(f"{stem} ({number}){suffix}")
        number += 1
    shutil.copyfile(source, target)
    return target


def inline_images(ws: _Workspace, message_id: int) -> dict[str, Path]:
    """{content-id: file} of the message's inline parts, for rendering ``<img src="cid:...">``."""
    return {a.content_id: blob_path(_blob_root(ws), a.sha256) for a in list_attachments(ws, message_id)
            if a.content_id and a.available}

"""Attachment service: content-addressed storage (dedupe, atomic, size limit), open/save with untrusted names."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from deskapp.domain import Attachment, Channel, Conversation, Direction, Message, Status
from deskapp.domain.mail import AttachmentBlob
from deskapp.services.attachments import (
    AttachmentMissing,
    inline_images,
    list_attachments,
    open_copy,
    safe_filename,
    save_attachment,
)
from deskapp.store import accounts as account_store
from deskapp.store.ingest import apply_batch
from deskapp.store.mail_blobs import blob_path, sha256_of, store_blob
from deskapp.sync.mail_threading import preprocess_mail

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def message_with_files(db):
    pdf, logo = b"%PDF-1.4 invoice", b"\x89PNG logo"
    records = [
        Conversation("c1", Channel.EMAIL, Status.OPEN, None, NOW, NOW, subject="Invoice"),
        Message("m1", "c1", Direction.IN, NOW, text="see attached", attachments=(
            Attachment("../../etc/passwd", "application/pdf", len(pdf), sha256=sha256_of(pdf)),
            Attachment("logo.png", "image/png", len(logo), url="cid:logo@shop", sha256=sha256_of(logo)),
            Attachment("huge.bin", "application/octet-stream", 10**9),
        )),
        AttachmentBlob(sha256_of(pdf), pdf), AttachmentBlob(sha256_of(logo), logo),
        AttachmentBlob(sha256_of(pdf), pdf),
    ]
    with db.write() as conn:
        account_id = account_store.insert_account(conn, "imap_smtp", "box", "imap://127.0.0.1:1")
        apply_batch(conn, account_id, preprocess_mail(conn, account_id, records), stream="INBOX", cursor=None)
        message_id = conn.exec_driver_sql("SELECT id FROM message").scalar()
    return SimpleNamespace(db=db), message_id, pdf, logo


def test_list_open_save_and_inline(message_with_files, tmp_path):
    ws, message_id, pdf, logo = message_with_files
    files = list_attachments(ws, message_id)
    assert [(f.filename, f.available) for f in files] == [("../../etc/passwd", True), ("logo.png", True),
                                                           ("huge.bin", False)]
    opened = open_copy(ws, files[0].id)
    assert opened.read_bytes() == pdf and opened.name == "_.._etc_passwd"
    assert "attachments" in opened.parts and opened.samefile(blob_path(ws.db.path.parent / "attachments",
                                                                       sha256_of(pdf)))
    first = save_attachment(ws, files[1].id, tmp_path)
    second = save_attachment(ws, files[1].id, tmp_path)
    assert first.name == "logo.png" and second.name == "logo (1).png" and second.read_bytes() == logo
    assert inline_images(ws, message_id) == {"logo@shop": blob_path(ws.db.path.parent / "attachments",
                                                                   sha256_of(logo))}
    with pytest.raises(AttachmentMissing):
        open_copy(ws, files[2].id)
    assert len(list((ws.db.path.parent / "attachments").rglob("content"))) == 2  # the pdf sent twice: once


def test_store_blob_is_idempotent_and_checks_digests(tmp_path):
    digest, new = store_blob(tmp_path, b"abc")
    assert new and store_blob(tmp_path, b"abc") == (digest, False)
    with pytest.raises(ValueError, match="digest"):
        store_blob(tmp_path, b"abc", "0" * 64)
    with pytest.raises(ValueError):
        blob_path(tmp_path, "../../etc/passwd")
    assert not list(tmp_path.rglob(".part-*"))


@pytest.mark.parametrize(("name", "expected"), [
    ("report.pdf", "report.pdf"), ("..\\..\\win.ini", "_.._win.ini"), ("CON.txt", "attachment_CON.txt"),
    ("content", "attachment_content"),
    ("", "attachment"), ("a\x00b.exe", "a_b.exe"), (".bashrc", "bashrc"), ("x" * 400 + ".pdf", "x" * 180 + ".pdf"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected

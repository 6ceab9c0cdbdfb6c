"""Every message of the real-world corpus parses: no exception, its text kept, its attachments kept."""

from __future__ import annotations

import email
from email.message import Message
from pathlib import Path

import pytest

from deskapp.connectors.mime import parse_message
from deskapp.services.html_safety import sanitize_html

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "emails"
MESSAGES = sorted(CORPUS.rglob("*.eml"))


def test_the_corpus_is_there() -> None:
    assert len(MESSAGES) >= 100


def _reference_attachments(raw: bytes) -> list[bytes]:
    """Payloads of named parts as the lenient compat32 parser sees them: what we must not lose."""
    found = []
    for part in email.message_from_bytes(raw).walk():
        if part.is_multipart() or not isinstance(part, Message):
            continue
        try:
            name = part.get_filename()
        except Exception:
            name = None
        payload = part.get_payload(decode=True)
        if name and payload:
            found.append(payload)
    return found


def _body_of(raw: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        if separator in raw:
            return raw.split(separator, 1)[1]
    return b""


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_message_imports(path: Path) -> None:
    raw = path.read_bytes()
    mail = parse_message(raw)
    if _body_of(raw).strip():
        assert mail.text.strip() or mail.html.strip() or mail.attachments, "a message with a body lost it"
    for payload in _reference_attachments(raw):
        assert any(a.data == payload for a in mail.attachments) or payload.decode("latin-1") in mail.text, (
            "an attachment was lost")
    for part in mail.attachments:
        assert part.filename and "/" not in part.filename
    (mail.subject + mail.text + mail.html).encode("utf-8")  # raises on lone surrogates
    sanitize_html(mail.html)
    if mail.date is not None:
        assert mail.date.tzinfo is not None and 1900 <= mail.date.year <= 2200


def _mail(relative: str):
    return parse_message((CORPUS / "mikel-mail" / relative).read_bytes())


@pytest.mark.parametrize(("relative", "check"), [
    ("plain_emails/raw_email.eml", lambda m: m.subject == "NOTE: 한국말로 하는 것"),
    ("plain_emails/raw_email_with_partially_quoted_subject.eml", lambda m: "漢字" in m.subject),
    ("rfc6532/utf8_headers.eml", lambda m: m.subject == "Säying Hello" and m.sender.name == "Jöhn Doe"),
    ("multi_charset/japanese_shift_jis.eml", lambda m: m.text.strip() != "" and "\ufffd" not in m.text),
    ("multi_charset/japanese_iso_2022.eml", lambda m: m.subject == "まみむめも"),
    ("multi_charset/ks_c_5601-1987.eml", lambda m: "\ufffd" not in m.text and m.text.strip()),
    ("error_emails/invalid_subject_characters.eml", lambda m: m.subject.startswith("Formação")),
    ("error_emails/bad_encoded_subject.eml", lambda m: m.subject == "TEST" and "TEST" in m.text),
    ("error_emails/encoding_madness.eml", lambda m: "Body Text" in m.text),
    ("plain_emails/raw_email_with_bad_date.eml", lambda m: m.date is None and m.text.strip()),
    ("plain_emails/raw_email_incorrect_header.eml",
     lambda m: m.sender.email == "xxx@xxx.xxx" and "Ad Ware" in m.text and "Received" not in m.text),
    ("rfc2822/example13.eml", lambda m: m.message_id == "<1234@local.machine.example>" and m.date is not None),
    ("mime_emails/raw_email_with_illegal_boundary.eml", lambda m: m.text.strip() and m.html.strip()),
    ("plain_emails/raw_email_bad_time.eml", lambda m: m.text.strip() and m.html.strip() and m.date is None),
    ("attachment_emails/attachment_with_unquoted_name.eml",
     lambda m: [a.filename for a in m.attachments] == ["This is a test.txt"]),
    ("attachment_emails/attachment_with_base64_encoded_name.eml",
     lambda m: [a.filename for a in m.attachments] == ["This is a test.pdf"]),
    ("attachment_emails/attachment_nonascii_filename.eml", lambda m: m.attachments[0].filename == "ciële.txt"),
    ("multi_charset/japanese_attachment_long_name.eml",
     lambda m: m.attachments[0].filename == "かきくけこ" * 5 + ".txt"),
    ("attachment_emails/attachment_content_location.eml",
     lambda m: m.attachments[0].filename == "Photo25.jpg" and m.attachments[0].content_id == "<qbFGyPQAS8>"),
    ("attachment_emails/attachment_message_rfc822.eml",
     lambda m: any(a.content_type == "message/rfc822" for a in m.attachments)),
    ("multipart_report_emails/report_530.eml", lambda m: m.auto_submitted and "Returned" in m.subject),
    ("rfc2822/example06.eml", lambda m: m.in_reply_to and m.references and m.subject.startswith("Re:")),
])
def test_golden_details(relative: str, check) -> None:
    assert check(_mail(relative))

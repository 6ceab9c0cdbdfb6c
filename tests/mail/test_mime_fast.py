"""The fast MIME path (fast-mail-parser, connectors.mime_fast) gives what the stdlib path gives: the whole
real-world corpus parsed both ways and compared field by field, the shortcuts it takes checked against
the stdlib code they replace, and what it must leave to the stdlib left there."""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskapp.connectors import mime, mime_fast

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "emails"
MESSAGES = sorted(CORPUS.rglob("*.eml"))


def _both_ways(raw: bytes) -> tuple[mime.ParsedMail | None, mime.ParsedMail]:
    if not raw.endswith(b"\n"):
        raw += b"\n"
    return mime_fast.parse_fast(raw), mime.parse_message(raw, fast=False)


def _differences(fast: mime.ParsedMail, slow: mime.ParsedMail) -> list[str]:
    return [f"{f.name}: {getattr(fast, f.name)!r:.200} != {getattr(slow, f.name)!r:.200}"
            for f in dataclasses.fields(slow) if getattr(fast, f.name) != getattr(slow, f.name)]


def test_the_whole_corpus_parses_alike_both_ways() -> None:
    """Subject, addresses, date, threading headers, text, HTML and every attachment (name, type, bytes,
    Content-ID, inline) equal; the fast path takes most of the corpus and no message is lost either way."""
    assert mime_fast.available(), "fast-mail-parser is a dependency: pip install -e ."
    assert len(MESSAGES) >= 100
    taken, differing = 0, {}
    for path in MESSAGES:
        fast, slow = _both_ways(path.read_bytes())
        assert mime.parse_message(path.read_bytes()) == (fast or slow)
        if fast is None:
            continue
        taken += 1
        if _differences(fast, slow):
            differing[str(path.relative_to(CORPUS))] = _differences(fast, slow)
    assert differing == {}
    # What the fast path leaves to the stdlib: 8-bit headers, bounces, forwards, broken boundaries, RFC
    # 2231 or encoded file names, duplicate or broken header fields (38 of the 103 messages today).
    assert taken >= 60


def _bench_like(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer {n} <customer{n}@mail.example>"
    msg["To"] = "support@shop.example, Team Two <two@shop.example>"
    msg["Message-ID"] = f"<m{n}@mail.example>"
    msg["In-Reply-To"] = f"<m{n - 1}@mail.example>"
    msg["References"] = f"<m{n - 2}@mail.example> <m{n - 1}@mail.example>"
    msg["Date"] = "Thu, 01 Jan 2026 10:00:00 +0100"
    msg["Subject"] = "Re: Order #1042 =?utf-8?q?r=C3=A9sum=C3=A9?="
    msg.set_content("Where is my parcel? café\n")
    msg.add_alternative("<html><body><p>Where is my parcel? café</p></body></html>", subtype="html")
    msg.add_attachment(bytes(range(256)) * 40, maintype="application", subtype="pdf", filename="invoice 7.pdf")
    msg.add_attachment(b"\x89PNG....", maintype="image", subtype="png", cid="<logo@shop>", disposition="inline")
    return msg.as_bytes().replace(b"\n", b"\r\n")


def test_everyday_mail_takes_the_fast_path_with_every_field() -> None:
    fast, slow = _both_ways(_bench_like(7))
    assert fast is not None and _differences(fast, slow) == []
    assert fast.subject == "Re: Order #1042 résumé" and fast.in_reply_to == "<m6@mail.example>"
    assert [a.email for a in fast.to] == ["support@shop.example", "two@shop.example"]
    assert [(a.filename, a.content_type, len(a.data), a.content_id, a.inline) for a in fast.attachments] == [
        ("invoice 7.pdf", "application/pdf", 10240, None, False), ("part-2.png", "image/png", 8, "<logo@shop>", True)]
    assert fast.text == "Where is my parcel? café" and "<p>Where is my parcel? café</p>" in fast.html


@pytest.mark.parametrize(("raw", "why"), [
    (b"From: a@b.example\r\nSubject: caf\xe9\r\n\r\nbody\r\n", "8-bit header bytes"),
    (b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\nno parts at all\r\n",
     "a multipart without its boundary"),
    (b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822"
     b"\r\n\r\nSubject: inner\r\n\r\nforwarded\r\n--x--\r\n", "a forwarded message"),
    (b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf;"
     b" name*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n\r\n%PDF\r\n--x--\r\n", "an RFC 2231 file name"),
    (b"From: a@b.example\r\nthis line is no header\r\n\r\nbody\r\n", "a broken header block"),
    (b"From: a@b.example\r\nContent-Type: multipart/digest; boundary=x\r\n\r\n--x\r\n\r\nSubject: inner\r\n\r\n"
     b"digested\r\n--x--\r\n", "a digest, whose parts are messages unless they say otherwise"),
    (b"From: a@b.example\r\nSubject: one\r\nSubject: two\r\nContent-Type: text/plain\r\nContent-Type: text/html"
     b"\r\n\r\nbody\r\n", "a part with two content types"),
])
def test_what_the_stdlib_must_repair_is_left_to_it(raw: bytes, why: str) -> None:
    assert mime_fast.parse_fast(raw) is None, why
    assert mime.parse_message(raw) == mime.parse_message(raw, fast=False)


def test_the_header_block_ends_at_the_first_empty_line_whatever_its_line_ends() -> None:
    raw = b"From: a@b.example\nSubject: hi\n\nX-Looks-Like: a header\r\n\r\nbody\r\n"
    assert mime_fast._header_block(raw) == b"From: a@b.example\nSubject: hi\n\n"
    assert mime.parse_message(raw) == mime.parse_message(raw, fast=False)


def test_hostile_nesting_and_broken_encodings_still_import() -> None:
    deep = b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for level in range(1, 300):
        deep += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level - 1, level)
    deep += b"--b299\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n"
    assert mime_fast.parse_fast(deep) is None
    mime.parse_message(deep)  # never raises
    broken = (b"From: a@b.example\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64 at all===\r\n")
    assert mime.parse_message(broken) == mime.parse_message(broken, fast=False)


_ATOM = st.text(alphabet="abcXYZ019", min_size=1, max_size=6)
_MAILBOX = st.builds(lambda local, domain: f"{local}@{domain}", st.from_regex(r"[a-zA-Z0-9_+.-]{1,8}", fullmatch=True),
                     st.from_regex(r"[a-zA-Z0-9.-]{1,8}(\.[a-z]{2,3})?", fullmatch=True))
_NAME = st.lists(st.one_of(_ATOM, st.sampled_from(["Jr.", "O'Neil", "\"Doe, J\"", "(c)", "a@b"])), max_size=3)
_ITEM = st.builds(lambda name, box, angle: (f"{' '.join(name)} <{box}>" if name or angle else box),
                  _NAME, _MAILBOX, st.booleans())


@settings(deadline=None)  # a loaded machine must not fail it: it checks values, not speed
@given(st.lists(_ITEM, min_size=1, max_size=3).map(", ".join))
def test_plain_mailboxes_read_as_getaddresses_reads_them(raw: str) -> None:
    plain = mime.plain_addresses(raw)
    if plain is not None:
        assert plain == mime.listed_addresses(raw)


def test_plain_mailboxes_cover_the_usual_forms() -> None:
    assert mime.plain_addresses("Customer 12 <Customer12@Mail.Example>, help@shop.example") == (
        mime.MailAddress("Customer 12", "customer12@mail.example"), mime.MailAddress("", "help@shop.example"))
    assert mime.plain_addresses('"Doe, Jane" <j@x.example>') is None  # quoted: getaddresses reads it


def test_headers_alone_read_alike_both_ways() -> None:
    """The headers-first pass (parse_headers) reads plain header blocks without the stdlib parser, alike."""
    for path in MESSAGES:
        block = mime_fast._header_block(path.read_bytes())
        if block is not None:
            assert mime.parse_headers(block) == mime.parse_headers(block, fast=False), path.name
    report = b"From: a@b.example\r\nContent-Type: multipart/report;\r\n report-type=delivery-status\r\n\r\n"
    assert mime.parse_headers(report).auto_submitted and mime.raw_header_index(report) is not None


def test_the_header_index_is_the_stdlib_parsers_on_the_corpus() -> None:
    checked = 0
    for path in MESSAGES:
        raw = path.read_bytes()
        block = mime_fast._header_block(raw)
        index = mime.raw_header_index(block) if block else None
        if index is None:
            continue
        msg = BytesParser(policy=mime._POLICY).parsebytes(block, headersonly=True)
        expected: dict[str, str] = {}
        for key, value in msg.raw_items():
            expected.setdefault(key.lower(), str(value))
        assert index == expected, path.name
        checked += 1
    assert checked >= 60

"""MIME parsing: threading headers, addresses, dates, charsets, structure, and garbage that must not raise."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskapp.connectors.mime import decode_bytes, html_to_text, parse_date, parse_headers, parse_message


def _build(**headers) -> EmailMessage:
    msg = EmailMessage()
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def test_threading_headers_and_addresses() -> None:
    msg = _build(From='"Zoë Client" <Zoe@Example.COM>', To="support@shop.example", Subject="Re: Order #1042",
                 Message_ID="<c2@mail.example>", In_Reply_To="<s1@shop.example>",
                 References="<c1@mail.example> <s1@shop.example>", Date="Tue, 03 Mar 2026 10:00:00 +0100")
    msg.set_content("Where is it?")
    mail = parse_message(msg.as_bytes())
    assert mail.message_id == "<c2@mail.example>"
    assert mail.in_reply_to == "<s1@shop.example>"
    assert mail.references == ("<c1@mail.example>", "<s1@shop.example>")
    assert mail.sender.email == "zoe@example.com" and mail.sender.name == "Zoë Client"
    assert mail.to[0].email == "support@shop.example"
    assert mail.date == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert mail.text.strip() == "Where is it?"


def test_headers_only_parse_matches_the_full_parse() -> None:
    raw = (b"From: a@b.example\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nMessage-ID: <x@y>\r\n"
           b"References: <p@q>\r\n  <r@s>\r\nDate: nonsense\r\n\r\n")
    headers = parse_headers(raw)
    assert headers.subject == "café" and headers.message_id == "<x@y>"
    assert headers.references == ("<p@q>", "<r@s>") and headers.date is None


def test_alternative_keeps_text_and_html_and_inline_images() -> None:
    msg = _build(From="a@b.example", Subject="x")
    msg.set_content("plain body")
    msg.add_alternative("<p>html <img src='cid:logo'></p>", subtype="html")
    msg.get_payload()[1].add_related(b"\x89PNG fake", maintype="image", subtype="png", cid="<logo>")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="invoice 1042.pdf")
    mail = parse_message(msg.as_bytes())
    assert mail.text.strip() == "plain body"
    assert "cid:logo" in mail.html
    names = {(a.filename, a.content_type, a.inline) for a in mail.attachments}
    assert ("invoice 1042.pdf", "application/pdf", False) in names
    assert any(a.content_id == "<logo>" and a.data == b"\x89PNG fake" for a in mail.attachments)


def test_html_only_message_gets_text_for_search() -> None:
    msg = _build(From="a@b.example")
    msg.set_content("<html><head><style>p{}</style></head><body><p>Hello&nbsp;there</p><p>Bye</p></body></html>",
                    subtype="html")
    mail = parse_message(msg.as_bytes())
    assert mail.text == "Hello\xa0there\n\nBye"
    assert html_to_text("<script>x()</script>a<br>b") == "a\nb"


def test_unknown_and_lying_charsets() -> None:
    raw = b"From: a@b.example\nContent-Type: text/plain; charset=x-no-such-charset\n\ncaf\xc3\xa9\n"
    assert parse_message(raw).text.strip() == "café"
    raw = b"From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\ncaf\xe9\n"  # latin-1 claiming utf-8
    assert parse_message(raw).text.strip() == "café"
    assert decode_bytes("한국".encode("cp949"), "ks_c_5601-1987") == "한국"


def test_dates() -> None:
    assert parse_date("Fri, 21 Nov 1997 09:55:06 -0600") == datetime(1997, 11, 21, 15, 55, 6, tzinfo=UTC)
    assert parse_date("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600") is not None
    assert parse_date("Mon, 30 Jun 3609 15:33:50 +0600") is None
    assert parse_date("") is None and parse_date("yesterday") is None
    assert parse_date("21 Nov 1997 09:55:06").tzinfo is not None  # no zone: taken as UTC


def test_nested_forward_keeps_inner_text_and_the_original() -> None:
    inner = _build(From="c@d.example", Subject="original")
    inner.set_content("inner words")
    outer = _build(From="a@b.example", Subject="Fwd: original")
    outer.set_content("see below")
    outer.add_attachment(inner)
    mail = parse_message(outer.as_bytes())
    assert "see below" in mail.text and "inner words" in mail.text
    assert [a.content_type for a in mail.attachments] == ["message/rfc822"]


@pytest.mark.timeout(30)
def test_deeply_nested_multiparts_do_not_recurse_forever() -> None:
    raw = b"From: a@b.example\nMIME-Version: 1.0\n"
    for depth in range(200):
        raw += f'Content-Type: multipart/mixed; boundary="b{depth}"\n\n--b{depth}\n'.encode()
    raw += b"Content-Type: text/plain\n\ndeep\n"
    parse_message(raw)


@pytest.mark.timeout(60)
def test_big_message_parses() -> None:
    msg = _build(From="a@b.example", Subject="big")
    msg.set_content("line of text\n" * 200_000)
    msg.add_attachment(b"\x00" * 8_000_000, maintype="application", subtype="octet-stream", filename="big.bin")
    raw = msg.as_bytes()
    mail = parse_message(raw)
    assert len(mail.attachments[0].data) == 8_000_000


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_garbage_never_raises(data: bytes) -> None:
    parse_message(data)
    parse_headers(data)


_HEADER_NAMES = st.sampled_from(["From", "To", "Cc", "Subject", "Date", "Message-ID", "References", "In-Reply-To",
                                 "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "X-Junk"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_HEADER_NAMES, st.text(max_size=80)), max_size=12), st.binary(max_size=500))
def test_hostile_headers_never_raise(headers, body: bytes) -> None:
    raw = b"".join(f"{name}: {value}".encode("utf-8", "surrogatepass") + b"\r\n" for name, value in headers)
    mail = parse_message(raw + b"\r\n" + body)
    (mail.subject + mail.text).encode("utf-8")


def test_encoded_display_names_with_commas_stay_one_address() -> None:
    raw = (b"From: =?utf-8?q?Doe,_J=C3=B6rg?= <jd@x.example>\r\nTo: a@b.example, =?iso-8859-1?q?Ren=E9?= <r@c.example>"
           b"\r\nSubject: =?utf-8?b?w6k=?= =?utf-8?b?w6k?=\r\n\r\nx")
    mail = parse_message(raw)
    assert mail.sender.name == "Doe, Jörg" and mail.sender.email == "jd@x.example"
    assert [a.email for a in mail.to] == ["a@b.example", "r@c.example"] and mail.to[1].name == "René"
    assert mail.subject == "éé"  # adjacent encoded words join without the space; bad padding fixed

"""connectors.imap_smtp.mapping: one fetched message as records named after its place — the customer contact,
direction from the folder or the sender, unread from \\Seen, attachments within the size limit — and the keys
and fingerprints that decide whether two places hold one message; odd and missing headers never raise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from deskapp.connectors.imap_smtp import mapping
from deskapp.connectors.mime import parse_headers, parse_message
from deskapp.domain import Contact, Conversation, DeliveryState, Direction, Message
from deskapp.domain.mail import AttachmentBlob, MailHeaders

OWN = "support@shop.example"
WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def raw_mail(*, sender="Zoë Client <Zoe@Customer.example>", to=OWN, subject="Where is my order?",
             message_id="<m1@customer.example>", extra="", body="Hello, my parcel is late.") -> bytes:
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", "Date: Sun, 01 Mar 2026 14:30:00 +0200"]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    text = "\r\n".join(lines) + ("\r\n" + extra if extra else "") + "\r\n\r\n" + body + "\r\n"
    return text.encode()


def mapped(raw: bytes, *, folder="INBOX", flags=(), full=True, limit=10**6, internal_date=None) -> dict:
    header, _, body = raw.partition(b"\r\n\r\n")
    header += b"\r\n"
    records = mapping.map_message(folder=folder, uid=42, uidvalidity=7, flags=flags, internal_date=internal_date,
                                  raw_headers=header, body_size=len(body), body=body,
                                  headers=parse_message(raw) if full else parse_headers(header), own_address=OWN,
                                  sent_folder="Sent", max_attachment_bytes=limit, account_name="Support")
    by_type: dict = {}
    for record in records:
        by_type.setdefault(type(record), []).append(record)
    return by_type


def test_an_inbound_message_and_its_customer():
    records = mapped(raw_mail())
    [contact] = records[Contact]
    [conversation] = records[Conversation]
    [message] = records[Message]
    [headers] = records[MailHeaders]
    assert contact.external_id == "zoe@customer.example" and contact.name == "Zoë Client"
    assert conversation.external_id == "mail:place:7/42/INBOX" and conversation.unread == 1
    assert conversation.subject == "Where is my order?" and conversation.inbox_name == "Support"
    assert (message.external_id, message.direction, message.delivery) == (
        "place:7/42/INBOX", Direction.IN, DeliveryState.RECEIVED)
    assert message.sent_at == WHEN and "parcel is late" in message.text
    assert (message.author_name, message.author_external_id) == ("Zoë Client", "zoe@customer.example")
    assert (headers.rfc_message_id, headers.counterpart, headers.inbound, headers.has_body) == (
        "<m1@customer.example>", "zoe@customer.example", True, True)
    assert headers.sent_at_epoch == int(WHEN.timestamp()) and "." in headers.content


def test_seen_mail_is_read_and_our_own_mail_is_outbound_to_the_customer():
    assert mapped(raw_mail(), flags=("\\Seen",))[Conversation][0].unread == 0
    ours = mapped(raw_mail(sender=f"Support <{OWN}>", to="Zoe <zoe@customer.example>", message_id=None),
                  folder="INBOX")
    assert ours[Message][0].direction == Direction.OUT and ours[Message][0].delivery == DeliveryState.SENT
    assert ours[Contact][0].external_id == "zoe@customer.example" and ours[Conversation][0].unread == 0
    sent = mapped(raw_mail(sender="Someone Else <else@shop.example>", to="zoe@customer.example"), folder="Sent")
    assert sent[MailHeaders][0].inbound is False and sent[MailHeaders][0].counterpart == "zoe@customer.example"


def test_a_headers_only_fetch_has_no_body_and_a_size_fingerprint():
    records = mapped(raw_mail(), full=False)
    [message], [headers] = records[Message], records[MailHeaders]
    assert message.text == "" and headers.has_body is False and "." not in headers.content
    full = mapped(raw_mail())[MailHeaders][0]
    assert mapping.same_content(headers.content, full.content)


def test_a_message_without_sender_or_date_still_maps():
    raw = b"Subject: =?bogus?Q?broken?=\r\n\r\nno sender, no date\r\n"
    records = mapped(raw, internal_date=datetime(2026, 3, 1, 12, 30))  # the server's date, naive: read as UTC
    assert Contact not in records
    [message] = records[Message]
    assert message.sent_at == WHEN and message.author_name == "" and message.author_external_id is None
    assert records[Conversation][0].contact_external_id is None


def test_a_date_in_another_zone_is_kept_as_utc():
    records = mapped(raw_mail(), internal_date=datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=5))))
    assert records[Message][0].sent_at == WHEN  # the Date header wins over the server's date


def test_attachments_within_the_limit_carry_their_bytes():
    boundary = "b1"
    body = (f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nSee the photo.\r\n"
            f"--{boundary}\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=box.png\r\n"
            "Content-Transfer-Encoding: base64\r\nContent-ID: <img1@customer.example>\r\n\r\n"
            "iVBORw0KGgoAAAANSUhEUg==\r\n"
            f"--{boundary}--")
    raw = raw_mail(extra=f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"', body=body)
    kept = mapped(raw)
    [attachment] = kept[Message][0].attachments
    [blob] = kept[AttachmentBlob]
    assert (attachment.filename, attachment.content_type, attachment.url) == ("box.png", "image/png",
                                                                               "cid:img1@customer.example")
    assert attachment.sha256 == blob.sha256 and attachment.size == len(blob.data) == 16
    too_big = mapped(raw, limit=8)
    assert AttachmentBlob not in too_big and too_big[Message][0].attachments[0].sha256 == ""


def test_our_own_reply_is_recognised_by_its_message_id():
    client_id = "0f8fad5b-d9cb-469f-a165-70867728950e"
    message_id = mapping.client_message_id(client_id)
    assert message_id == f"<{client_id}@deskapp>" and mapping.client_id_of(message_id) == client_id
    assert mapping.client_id_of(None) is None and mapping.client_id_of("<x@deskapp>") is None
    assert mapping.client_id_of(f"<{client_id}@deskapp.evil>") is None
    records = mapped(raw_mail(sender=OWN, to="zoe@customer.example", message_id=message_id), folder="Sent")
    assert records[Message][0].client_id == client_id


def test_the_fingerprint_ignores_what_servers_add_and_header_order_and_folding():
    base = b"From: a@x.example\r\nSubject: Hi\r\nMessage-ID: <1@x>\r\n"
    relayed = (b"Received: from mx by y\r\nDKIM-Signature: v=1\r\nSubject:   Hi\r\nFrom: a@x.example\r\n"
               b"Message-ID:\r\n <1@x>\r\n")
    assert mapping.content_fingerprint(base, 10) == mapping.content_fingerprint(relayed, 10)
    assert mapping.content_fingerprint(base, 10) != mapping.content_fingerprint(base, 11)
    assert mapping.content_fingerprint(base + b"To: b@y.example\r\n", 10) != mapping.content_fingerprint(base, 10)
    assert mapping.content_fingerprint(base, -5) == mapping.content_fingerprint(base, 0)
    after_the_block = base + b"\r\nBody-Looking: header\r\n"
    assert mapping.content_fingerprint(after_the_block, 10) == mapping.content_fingerprint(base, 10)
    with_body = mapping.content_fingerprint(base, 4, b"body")
    head, dot, body = with_body.partition(".")
    assert dot and len(head) == 32 and len(body) == 16


@pytest.mark.parametrize(("a", "b", "same"), [
    ("", "anything", True), ("h1", "h1", True), ("h1", "h2", False), ("h1.b1", "h1", True),
    ("h1.b1", "h1.b1", True), ("h1.b1", "h1.b2", False), ("h1.b1", "h2.b1", False)])
def test_same_content(a, b, same):
    assert mapping.same_content(a, b) is same


def test_keys_of_a_message_and_its_conversation():
    assert mapping.place_key("Folder/With:odd chars", 7, 42) == "place:7/42/Folder/With:odd chars"
    assert mapping.message_keys("<1@x>", "a" * 32 + "." + "b" * 16) == (
        "mid:1@x", "mid:1@x#" + "a" * 16, "mid:1@x#" + "a" * 16 + ".bbbbbbbb")
    assert mapping.message_keys("<1@x>", "a" * 32) == ("mid:1@x", "mid:1@x#" + "a" * 16)
    assert mapping.message_keys(None, "c" * 32 + ".d") == ("h:" + "c" * 32, "h:" + "c" * 32 + "#" + "c" * 16 + ".d")
    conversation = mapping.conversation_key("mid:1@x#" + "a" * 16)
    assert conversation == "mail:mid:1@x#" + "a" * 16
    assert mapping.root_message_id(conversation) == "<1@x>" and mapping.root_variant(conversation) == "a" * 16
    assert mapping.root_variant("mail:mid:1@x") is None
    assert mapping.root_message_id("mail:h:abc") is None and mapping.root_variant("mail:h:abc") is None

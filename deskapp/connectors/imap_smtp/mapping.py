"""Maps one fetched IMAP message (parsed by connectors.mime) to domain records for the mail connector.

Message external ids come from the Message-ID (stable across UIDVALIDITY changes and folders), or
from a digest of the header block when a message has none. The conversation id set here is
provisional ("mail:<own key>"); the email preprocessor re-threads it against the cache.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from deskapp.connectors.mime import MailPart, ParsedHeaders, ParsedMail
from deskapp.domain import (
    Attachment,
    Channel,
    Contact,
    Conversation,
    DeliveryState,
    Direction,
    Message,
    Status,
)
from deskapp.domain.identity import email_identity
from deskapp.domain.mail import AttachmentBlob, MailHeaders

CLIENT_ID_DOMAIN = "deskapp"
_CLIENT_ID = re.compile(r"^<([0-9a-fA-F-]{8,64})@" + CLIENT_ID_DOMAIN + r">$")


def client_message_id(client_id: str) -> str:
    """The Message-ID of a reply we send for outbox item ``client_id``: how we find it again later."""
    return f"<{client_id}@{CLIENT_ID_DOMAIN}>"


def client_id_of(message_id: str | None) -> str | None:
    match = _CLIENT_ID.match(message_id or "")
    return match.group(1) if match else None


def message_key(message_id: str | None, raw_headers: bytes) -> str:
    if message_id:
        return "mid:" + message_id.strip("<>")
    # The header block as FETCH BODY[HEADER] and BODY[] give it differ in line ends and the blank line.
    block = raw_headers.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].strip()
    return "h:" + hashlib.sha1(block, usedforsecurity=False).hexdigest()[:32]


def conversation_key(message_external_id: str) -> str:
    return "mail:" + message_external_id


def root_message_id(conversation_external_id: str) -> str | None:
    """The Message-ID a conversation was started by, when it had one (for finding the thread to reply to)."""
    if conversation_external_id.startswith("mail:mid:"):
        return "<" + conversation_external_id[len("mail:mid:"):] + ">"
    return None


def _utc(value: datetime | None, fallback: datetime | None) -> datetime:
    chosen = value or fallback or datetime.now(UTC)
    if chosen.tzinfo is None:
        chosen = chosen.replace(tzinfo=UTC)
    return chosen.astimezone(UTC)


def map_message(*, folder: str, uid: int, uidvalidity: int, flags: tuple[str, ...], internal_date: datetime | None,
                raw_headers: bytes, headers: ParsedHeaders | ParsedMail, own_address: str, sent_folder: str,
                max_attachment_bytes: int, account_name: str = "") -> list:
    """Records for one message: the customer Contact, a provisional Conversation, the Message, its
    MailHeaders and (full parses only) its attachment blobs."""
    full = isinstance(headers, ParsedMail)
    key = message_key(headers.message_id, raw_headers)
    sender = headers.sender
    from_us = bool(own_address) and sender is not None and sender.email == own_address
    inbound = not (folder == sent_folder or from_us)
    if inbound:
        party = sender
    else:
        party = next((a for a in (*headers.to, *headers.cc) if a.email and a.email != own_address), None)
    counterpart = (party.email if party else "") or ""
    sent_at = _utc(headers.date, internal_date)
    records: list = []
    identity = email_identity(counterpart) if counterpart else None
    if identity is not None:
        records.append(Contact(external_id=identity.value, name=(party.name if party else "") or "",
                               identities=(identity,), created_at=sent_at, updated_at=sent_at))
    contact_id = identity.value if identity is not None else None
    seen = "\\Seen" in flags
    conversation_ext = conversation_key(key)
    records.append(Conversation(
        external_id=conversation_ext, channel=Channel.EMAIL, status=Status.OPEN, contact_external_id=contact_id,
        created_at=sent_at, updated_at=sent_at, subject=headers.subject or "", last_message_at=sent_at,
        unread=1 if inbound and not seen else 0, inbox_name=account_name,
    ))
    attachments: list[Attachment] = []
    if full:
        for part in headers.attachments:
            attachment, blob = _attachment(part, max_attachment_bytes)
            attachments.append(attachment)
            if blob is not None:
                records.append(blob)
    author = sender.name or sender.email if sender else ""
    records.append(Message(
        external_id=key, conversation_external_id=conversation_ext,
        direction=Direction.IN if inbound else Direction.OUT, sent_at=sent_at,
        text=headers.text if full else "", html=headers.html if full else "",
        author_name=author or "", author_external_id=sender.email if sender and sender.email else None,
        delivery=DeliveryState.RECEIVED if inbound else DeliveryState.SENT, attachments=tuple(attachments),
        client_id=client_id_of(headers.message_id), automated=bool(headers.auto_submitted),
    ))
    records.append(MailHeaders(
        message_external_id=key, folder=folder, uid=uid, uidvalidity=uidvalidity,
        rfc_message_id=headers.message_id, in_reply_to=headers.in_reply_to, references=headers.references,
        subject=headers.subject or "", counterpart=counterpart, sent_at_epoch=int(sent_at.timestamp()),
        inbound=inbound, flags=flags, has_body=full,
    ))
    return records


def _attachment(part: MailPart, limit: int) -> tuple[Attachment, AttachmentBlob | None]:
    digest = hashlib.sha256(part.data).hexdigest()
    url = f"cid:{part.content_id.strip('<>')}" if part.content_id else ""
    attachment = Attachment(filename=part.filename, content_type=part.content_type, size=len(part.data),
                            url=url, sha256=digest if len(part.data) <= limit else "")
    blob = AttachmentBlob(digest, part.data) if len(part.data) <= limit else None
    return attachment, blob

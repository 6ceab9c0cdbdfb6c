"""Maps one fetched IMAP message (parsed by connectors.mime) to domain records for the mail connector.

A message is named here after its place on the server (``place_key``): only the email preprocessor,
which sees the cache, knows whether another place already holds the same message. Its cache id is
then "mid:<Message-ID>" for the first message carrying that id, "mid:<Message-ID>#<content>" for a
different message carrying it too, and "h:<content>" for a message without one (``message_keys``).
``content_fingerprint`` is what "the same message" means: the same headers its author wrote and the
same body (its size until the body is fetched). The conversation id set here is provisional; the
preprocessor re-threads it.
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


# Headers the author (or whoever resent the message: a resend is a message of its own) wrote. Servers
# on the way add their own (Received, Delivered-To, DKIM...), so those never make two copies of one
# message differ; Content-Type carries the MIME boundary, which tells most bodies of equal size apart.
_AUTHOR_FIELDS = frozenset((b"message-id", b"date", b"from", b"sender", b"reply-to", b"to", b"cc", b"subject",
                            b"in-reply-to", b"references", b"content-type", b"resent-date", b"resent-from",
                            b"resent-to", b"resent-message-id"))


def content_fingerprint(raw_headers: bytes, body_size: int, body: bytes | None = None) -> str:
    """A digest of the author's headers (unfolded, spaces collapsed, in any order) and the body's size,
    then, once the body is fetched, "." and a digest of the body itself."""
    lines: list[bytes] = []
    for line in raw_headers.replace(b"\r\n", b"\n").split(b"\n"):
        if not line.strip():
            break  # the end of the header block
        if line[:1] in (b" ", b"\t") and lines:
            lines[-1] += b" " + line.strip()
        else:
            lines.append(line)
    fields = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if colon and name.strip().lower() in _AUTHOR_FIELDS:
            fields.append(name.strip().lower() + b":" + b" ".join(value.split()))
    digest = hashlib.sha1(b"\n".join(sorted(fields)) + b"\nbody:%d" % max(0, body_size), usedforsecurity=False)
    if body is None:
        return digest.hexdigest()[:32]
    return digest.hexdigest()[:32] + "." + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16]


def same_content(a: str, b: str) -> bool:
    """Whether two fingerprints may be of one message: equal headers and size, and equal bodies where both
    are known ('' is a place recorded before fingerprints: unknown, so never told apart)."""
    if not a or not b:
        return True
    head_a, _, body_a = a.partition(".")
    head_b, _, body_b = b.partition(".")
    return head_a == head_b and (not body_a or not body_b or body_a == body_b)


def place_key(folder: str, uidvalidity: int, uid: int) -> str:
    """The provisional id of the message at this place (folder names may hold any character: last)."""
    return f"place:{uidvalidity}/{uid}/{folder}"


def message_key(message_id: str | None, content: str) -> str:
    """The cache id of the first message with this Message-ID, or of a message without one."""
    if message_id:
        return "mid:" + message_id.strip("<>")
    return "h:" + content.partition(".")[0]


def message_keys(message_id: str | None, content: str) -> tuple[str, ...]:
    """The cache ids a message may take, in order, when the earlier ones belong to other messages: its
    plain key, then one told apart by its headers, then by its body too."""
    plain = message_key(message_id, content)
    head, _, body = content.partition(".")
    keys = [plain, f"{plain}#{head[:16]}"] if message_id else [plain]
    if body:
        keys.append(f"{plain}#{head[:16]}.{body[:8]}")
    return tuple(keys)


def conversation_key(message_external_id: str) -> str:
    return "mail:" + message_external_id


def root_message_id(conversation_external_id: str) -> str | None:
    """The Message-ID a conversation was started by, when it had one (for finding the thread to reply to)."""
    if conversation_external_id.startswith("mail:mid:"):
        return "<" + conversation_external_id[len("mail:mid:"):].partition("#")[0] + ">"
    return None


def root_variant(conversation_external_id: str) -> str | None:
    """The header fingerprint prefix of a root whose Message-ID several messages carry ("...#<prefix>")."""
    if conversation_external_id.startswith("mail:mid:"):
        return conversation_external_id.partition("#")[2].partition(".")[0] or None
    return None


def _utc(value: datetime | None, fallback: datetime | None) -> datetime:
    chosen = value or fallback or datetime.now(UTC)
    if chosen.tzinfo is None:
        chosen = chosen.replace(tzinfo=UTC)
    return chosen.astimezone(UTC)


def map_message(*, folder: str, uid: int, uidvalidity: int, flags: tuple[str, ...], internal_date: datetime | None,
                raw_headers: bytes, body_size: int, headers: ParsedHeaders | ParsedMail, own_address: str,
                sent_folder: str, max_attachment_bytes: int, account_name: str = "", body: bytes | None = None) -> list:
    """Records for one message: the customer Contact, a provisional Conversation, the Message, its
    MailHeaders and (full parses only) its attachment blobs, all named after the message's place."""
    full = isinstance(headers, ParsedMail)
    key = place_key(folder, uidvalidity, uid)
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
    if isinstance(headers, ParsedMail):  # full
        for part in headers.attachments:
            attachment, blob = _attachment(part, max_attachment_bytes)
            attachments.append(attachment)
            if blob is not None:
                records.append(blob)
    author = sender.name or sender.email if sender else ""
    records.append(Message(
        external_id=key, conversation_external_id=conversation_ext,
        direction=Direction.IN if inbound else Direction.OUT, sent_at=sent_at,
        text=headers.text if isinstance(headers, ParsedMail) else "",
        html=headers.html if isinstance(headers, ParsedMail) else "",
        author_name=author or "", author_external_id=sender.email if sender and sender.email else None,
        delivery=DeliveryState.RECEIVED if inbound else DeliveryState.SENT, attachments=tuple(attachments),
        client_id=client_id_of(headers.message_id), automated=bool(headers.auto_submitted),
    ))
    records.append(MailHeaders(
        message_external_id=key, folder=folder, uid=uid, uidvalidity=uidvalidity,
        rfc_message_id=headers.message_id, in_reply_to=headers.in_reply_to, references=headers.references,
        subject=headers.subject or "", counterpart=counterpart, sent_at_epoch=int(sent_at.timestamp()),
        inbound=inbound, flags=flags, has_body=full,
        content=content_fingerprint(raw_headers, body_size, body if full else None),
    ))
    return records


def _attachment(part: MailPart, limit: int) -> tuple[Attachment, AttachmentBlob | None]:
    digest = hashlib.sha256(part.data).hexdigest()
    url = f"cid:{part.content_id.strip('<>')}" if part.content_id else ""
    attachment = Attachment(filename=part.filename, content_type=part.content_type, size=len(part.data),
                            url=url, sha256=digest if len(part.data) <= limit else "")
    blob = AttachmentBlob(digest, part.data) if len(part.data) <= limit else None
    return attachment, blob

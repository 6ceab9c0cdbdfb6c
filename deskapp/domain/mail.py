"""Mailbox records the IMAP connector emits beside Contact/Conversation/Message, for the email preprocessor.

They never reach the generic ingest: ``deskapp.sync.mail_threading.preprocess_mail`` consumes them in
the batch's transaction (threading, deletions, flags, attachment bytes) and passes the rest on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MailHeaders:
    """Where one message lives on the server and how it threads (one per folder copy).

    The connector names the message after its place (``place_key``); the email preprocessor gives it
    its cache identity, shared by every place holding the same Message-ID and ``content``."""

    message_external_id: str
    folder: str
    uid: int
    uidvalidity: int
    rfc_message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    counterpart: str  # the customer's address: From for inbound mail, the first To for ours
    sent_at_epoch: int
    inbound: bool
    flags: tuple[str, ...] = ()
    has_body: bool = True  # False on the headers-first pass; the body pass follows
    content: str = ""  # fingerprint of what the author wrote (mapping.content_fingerprint)


@dataclass(frozen=True, slots=True)
class MailFlags:
    """Flags of a message changed on the server (another client read or flagged it)."""

    folder: str
    uid: int
    uidvalidity: int
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FolderSnapshot:
    """Every UID a folder holds now: locations we know that are not listed here were deleted."""

    folder: str
    uidvalidity: int
    uids: frozenset[int]


@dataclass(frozen=True, slots=True)
class AttachmentBlob:
    """An attachment's bytes, stored once per sha256 in the data folder by the preprocessor."""

    sha256: str
    data: bytes


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    """A message gone from every folder we sync (emitted for callers that track deletions themselves)."""

    external_id: str


@dataclass(frozen=True, slots=True)
class MailImportFailed:
    """A message the connector could not turn into records: kept aside with its reason and whatever
    raw source the server gave (b"" when even that failed), and fetched again on the next pass."""

    folder: str
    uid: int
    uidvalidity: int
    reason: str
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class ImportTally:
    """What the email preprocessor did not turn into new messages in one batch, for the sync summary:
    server copies of a message already held (true duplicates) and messages that failed to import."""

    duplicates: int = 0
    not_imported: int = 0

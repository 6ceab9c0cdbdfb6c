"""Tables of the email channel: where each synced message lives on the IMAP server, how it threads,
and the messages that could not be imported.

mail_header has one row per place on the server (account, folder, UIDVALIDITY, UID): the message it
shows (several places may show one message: its copy in Sent, a true duplicate), the RFC 5322
threading headers, the customer's address and the conversation it was threaded into.
mail_import_failure keeps each place whose message the sync could not import, with the reason and
the raw source the server gave, until an import succeeds or the message leaves the server.
Built by migrations/versions/0002_mail.py and 0008_mail_places.py.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, PrimaryKeyConstraint, Table, Text

from deskapp.store.schema import metadata

mail_header = Table(
    "mail_header", metadata,
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE"), nullable=False),
    Column("folder", Text, nullable=False),
    Column("message_external_id", Text, nullable=False),
    Column("uid", Integer, nullable=False),
    Column("uidvalidity", Integer, nullable=False),
    Column("rfc_message_id", Text),
    Column("in_reply_to", Text),
    Column("refs", Text, nullable=False, server_default=""),  # space-separated <ids>, oldest first
    Column("subject_key", Text, nullable=False, server_default=""),  # subject without Re:/Fwd:, lower-cased
    Column("counterpart", Text, nullable=False, server_default=""),  # the customer's address
    Column("conversation_external_id", Text, nullable=False),
    Column("sent_at", Integer, nullable=False, server_default="0"),
    Column("inbound", Integer, nullable=False, server_default="1"),
    Column("flags", Text, nullable=False, server_default=""),  # space-separated IMAP flags
    Column("content", Text, nullable=False, server_default=""),  # mapping.content_fingerprint
    PrimaryKeyConstraint("account_id", "folder", "uidvalidity", "uid"),
    Index("ix_mail_header_rfc_id", "account_id", "rfc_message_id"),
    Index("ix_mail_header_message", "account_id", "message_external_id"),
    Index("ix_mail_header_subject", "account_id", "subject_key", "counterpart", "sent_at"),
    Index("ix_mail_header_conversation", "account_id", "conversation_external_id"),
)

mail_import_failure = Table(
    "mail_import_failure", metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE"), nullable=False),
    Column("folder", Text, nullable=False),
    Column("uidvalidity", Integer, nullable=False),
    Column("uid", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", LargeBinary, nullable=False, server_default=""),  # what the server gave; b"" when nothing
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("first_failed_at", Integer, nullable=False),
    Column("last_failed_at", Integer, nullable=False),
    Index("ux_mail_import_failure_place", "account_id", "folder", "uidvalidity", "uid", unique=True),
)

"""Tables of the email channel: where each synced message lives on the IMAP server and how it threads.

One row per (account, folder, message): the UID location (for deletions and flag changes), the
RFC 5322 threading headers, the customer's address and the conversation it was threaded into.
Built by migrations/versions/0002_mail.py.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, PrimaryKeyConstraint, Table, Text

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
    PrimaryKeyConstraint("account_id", "folder", "message_external_id"),
    Index("ix_mail_header_rfc_id", "account_id", "rfc_message_id"),
    Index("ix_mail_header_message", "account_id", "message_external_id"),
    Index("ix_mail_header_subject", "account_id", "subject_key", "counterpart", "sent_at"),
    Index("ix_mail_header_uid", "account_id", "folder", "uid"),
    Index("ix_mail_header_conversation", "account_id", "conversation_external_id"),
)

"""Email channel: RFC 5322 threading headers and IMAP folder state.

Revision ID: 0002
Revises: 0001

Creates mail_header (see deskapp/store/schema_mail.py): one row per synced message per folder.
The DDL is a frozen copy of the table as of this revision: migrations never import app code.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_DDL = [
    """CREATE TABLE mail_header (
	account_id INTEGER NOT NULL, 
	folder TEXT NOT NULL, 
	message_external_id TEXT NOT NULL, 
	uid INTEGER NOT NULL, 
	uidvalidity INTEGER NOT NULL, 
	rfc_message_id TEXT, 
	in_reply_to TEXT, 
	refs TEXT DEFAULT '' NOT NULL, 
	subject_key TEXT DEFAULT '' NOT NULL, 
	counterpart TEXT DEFAULT '' NOT NULL, 
	conversation_external_id TEXT NOT NULL, 
	sent_at INTEGER DEFAULT '0' NOT NULL, 
	inbound INTEGER DEFAULT '1' NOT NULL, 
	flags TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY (account_id, folder, message_external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
)""",
    "CREATE INDEX ix_mail_header_rfc_id ON mail_header (account_id, rfc_message_id)",
    "CREATE INDEX ix_mail_header_message ON mail_header (account_id, message_external_id)",
    "CREATE INDEX ix_mail_header_subject ON mail_header (account_id, subject_key, counterpart, sent_at)",
    "CREATE INDEX ix_mail_header_uid ON mail_header (account_id, folder, uid)",
    "CREATE INDEX ix_mail_header_conversation ON mail_header (account_id, conversation_external_id)",
]


def upgrade() -> None:
    for statement in _DDL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS mail_header")

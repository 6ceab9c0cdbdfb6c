"""Email: a message's place on the server is its identity; messages that failed to import are kept.

Revision ID: 0008
Revises: 0007

mail_header is keyed by (account, folder, UIDVALIDITY, UID) instead of (account, folder, message id):
distinct messages sharing a Message-ID, and two copies of one message in a folder, each keep their
row. It gains ``content`` (the fingerprint that tells a true copy from another message carrying the
same Message-ID); rows of older caches get '' and are re-read on the next pass of their folder, as
the cursors of mail folders are cleared. mail_import_failure is new. The DDL is a frozen copy of
deskapp/store/schema_mail.py as of this revision: migrations never import app code.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_MAIL_HEADER = """CREATE TABLE mail_header (
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
	content TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY (account_id, folder, uidvalidity, uid), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
)"""
_COLUMNS = ("account_id, folder, message_external_id, uid, uidvalidity, rfc_message_id, in_reply_to, refs,"
            " subject_key, counterpart, conversation_external_id, sent_at, inbound, flags")
_INDEXES = [
    "CREATE INDEX ix_mail_header_rfc_id ON mail_header (account_id, rfc_message_id)",
    "CREATE INDEX ix_mail_header_message ON mail_header (account_id, message_external_id)",
    "CREATE INDEX ix_mail_header_subject ON mail_header (account_id, subject_key, counterpart, sent_at)",
    "CREATE INDEX ix_mail_header_conversation ON mail_header (account_id, conversation_external_id)",
]
_FAILURES = [
    """CREATE TABLE mail_import_failure (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	folder TEXT NOT NULL, 
	uidvalidity INTEGER NOT NULL, 
	uid INTEGER NOT NULL, 
	reason TEXT NOT NULL, 
	raw BLOB DEFAULT '' NOT NULL, 
	attempts INTEGER DEFAULT '1' NOT NULL, 
	first_failed_at INTEGER NOT NULL, 
	last_failed_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
)""",
    "CREATE UNIQUE INDEX ux_mail_import_failure_place ON mail_import_failure"
    " (account_id, folder, uidvalidity, uid)",
]


def upgrade() -> None:
    op.execute("ALTER TABLE mail_header RENAME TO mail_header_0007")
    for name in ("ix_mail_header_rfc_id", "ix_mail_header_message", "ix_mail_header_subject", "ix_mail_header_uid",
                 "ix_mail_header_conversation"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(_MAIL_HEADER)
    op.execute(f"INSERT OR IGNORE INTO mail_header ({_COLUMNS}) SELECT {_COLUMNS} FROM mail_header_0007")
    op.execute("DROP TABLE mail_header_0007")
    for statement in _INDEXES + _FAILURES:
        op.execute(statement)
    # Mail folders are pulled again from the start: every place gets its content fingerprint and the
    # messages the old key merged come back. The rows already held are recognised, not duplicated.
    op.execute("DELETE FROM sync_cursor WHERE account_id IN (SELECT id FROM account WHERE kind = 'imap_smtp')")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS mail_import_failure")
    op.execute("ALTER TABLE mail_header RENAME TO mail_header_0008")
    op.execute(_MAIL_HEADER.replace("\tcontent TEXT DEFAULT '' NOT NULL, \n", "").replace(
        "PRIMARY KEY (account_id, folder, uidvalidity, uid)", "PRIMARY KEY (account_id, folder, message_external_id)"))
    op.execute(f"INSERT OR IGNORE INTO mail_header ({_COLUMNS}) SELECT {_COLUMNS} FROM mail_header_0008")
    op.execute("DROP TABLE mail_header_0008")
    for statement in _INDEXES + ["CREATE INDEX ix_mail_header_uid ON mail_header (account_id, folder, uid)"]:
        op.execute(statement)

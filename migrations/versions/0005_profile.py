"""The agent's own work moves to the profile file: drafts, triage corrections and local templates leave the cache.

Revision ID: 0005
Revises: 0004

deskapp.store.profile_carry_over copies them (with the accounts and settings) into profile.sqlite3
before this runs, and the upgrade keeps a copy of the file as it was (cache.sqlite3.before-0005.*.bak).
The cache keeps ``account`` and ``setting`` as copies of the profile's, and ``template`` for the canned
responses synced from the servers. The DDL of the downgrade is a frozen copy of 0001's tables.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TABLE draft")
    op.execute("DROP TABLE triage_correction")
    op.execute("DELETE FROM template WHERE account_id IS NULL")
    # Kept in the profile's own tables now, not among the settings the cache copies.
    op.execute("DELETE FROM setting WHERE key IN ('ui.saved_views', 'copilot.default_templates_seeded')")


def downgrade() -> None:
    op.execute("""CREATE TABLE draft (
	conversation_id INTEGER NOT NULL, 
	body TEXT NOT NULL, 
	is_note INTEGER DEFAULT '0' NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (conversation_id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE CASCADE
)""")
    op.execute("""CREATE TABLE triage_correction (
	id INTEGER NOT NULL, 
	message_id INTEGER, 
	conversation_id INTEGER, 
	field TEXT NOT NULL, 
	old_value TEXT, 
	new_value TEXT NOT NULL, 
	text TEXT DEFAULT '' NOT NULL, 
	at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(message_id) REFERENCES message (id) ON DELETE SET NULL, 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE SET NULL
)""")

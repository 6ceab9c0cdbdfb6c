"""Knowledge base: the hub's help-center articles and a full-text index over their title, description and body.

Revision ID: 0012
Revises: 0011

help_article holds each article as plain text with its public URL and status; help_article_fts indexes it
(external content, kept in step by triggers like customer_fts; same tokenizer). The DDL is a frozen copy of
deskapp/store/schema_knowledge.py as of this revision: migrations never import app code.
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_DDL = [
    """CREATE TABLE help_article (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	portal_slug TEXT NOT NULL, 
	external_id TEXT NOT NULL, 
	slug TEXT NOT NULL, 
	title TEXT NOT NULL, 
	description TEXT DEFAULT '' NOT NULL, 
	body TEXT DEFAULT '' NOT NULL, 
	locale TEXT DEFAULT '' NOT NULL, 
	category TEXT DEFAULT '' NOT NULL, 
	status TEXT NOT NULL, 
	url TEXT NOT NULL, 
	updated_at INTEGER DEFAULT '0' NOT NULL, 
	synced_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, portal_slug, external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
)""",
    "CREATE INDEX ix_help_article_status ON help_article (status)",
    """CREATE VIRTUAL TABLE help_article_fts USING fts5(
	title, description, body,
	content = 'help_article', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2'
)""",
    """CREATE TRIGGER help_article_fts_ai AFTER INSERT ON help_article BEGIN
	INSERT INTO help_article_fts(rowid, title, description, body) VALUES (new.id, new.title, new.description, new.body);
END""",
    """CREATE TRIGGER help_article_fts_ad AFTER DELETE ON help_article BEGIN
	INSERT INTO help_article_fts(help_article_fts, rowid, title, description, body)
	VALUES ('delete', old.id, old.title, old.description, old.body);
END""",
    """CREATE TRIGGER help_article_fts_au AFTER UPDATE ON help_article BEGIN
	INSERT INTO help_article_fts(help_article_fts, rowid, title, description, body)
	VALUES ('delete', old.id, old.title, old.description, old.body);
	INSERT INTO help_article_fts(rowid, title, description, body) VALUES (new.id, new.title, new.description, new.body);
END""",
]


def upgrade() -> None:
    for statement in _DDL:
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("help_article_fts_au", "help_article_fts_ad", "help_article_fts_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS help_article_fts")
    op.execute("DROP TABLE help_article")

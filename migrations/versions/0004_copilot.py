"""Copilot: retrained triage models and a vocabulary view of message_fts.

Revision ID: 0004
Revises: 0003
Default reply templates are seeded by deskapp.services.templates on first use, not here, so a
cache built by this migration holds no rows another feature's tests would have to expect.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE triage_model (
            id INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            examples INTEGER DEFAULT '0' NOT NULL,
            corrections INTEGER DEFAULT '0' NOT NULL,
            model BLOB NOT NULL,
            PRIMARY KEY (id)
        )
        """
    )
    # Document counts per term, so suggestions query only a message's rarer words (bounded bm25 work).
    op.execute("CREATE VIRTUAL TABLE message_fts_vocab USING fts5vocab(message_fts, row)")


def downgrade() -> None:
    op.execute("DROP TABLE message_fts_vocab")
    op.execute("DROP TABLE triage_model")

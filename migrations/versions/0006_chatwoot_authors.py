"""Who wrote each message, deleted messages and status notices; a re-read of every Chatwoot account.

Revision ID: 0006
Revises: 0004

Adds message.author_kind (agent | bot | contact | system), message.deleted and message.status_event.
Caches written before this revision took Chatwoot's "no reply yet" (0) for a reply on 1970-01-01,
bot and campaign replies for human ones (the list has no sender_type) and the last update for the
resolution time: the 1970 first responses are cleared, Chatwoot resolution times are cleared, and the
sync cursors of Chatwoot accounts are dropped so the next sync reads those accounts again and fills
the new columns (the cache is rebuilt from the service, as designed; the outbox is not touched).
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

EARLIEST_REAL = 946684800  # 2000-01-01: no help desk recorded anything before


def upgrade() -> None:
    op.execute("ALTER TABLE message ADD COLUMN author_kind TEXT DEFAULT '' NOT NULL")
    op.execute("ALTER TABLE message ADD COLUMN deleted INTEGER DEFAULT '0' NOT NULL")
    op.execute("ALTER TABLE message ADD COLUMN status_event TEXT")
    op.execute(f"UPDATE conversation SET first_response_at = NULL WHERE first_response_at < {EARLIEST_REAL}")
    chatwoot = "SELECT id FROM account WHERE kind = 'chatwoot'"
    op.execute(f"UPDATE conversation SET resolved_at = NULL WHERE account_id IN ({chatwoot})")
    op.execute(f"DELETE FROM sync_cursor WHERE account_id IN ({chatwoot})")


def downgrade() -> None:
    op.execute("ALTER TABLE message DROP COLUMN status_event")
    op.execute("ALTER TABLE message DROP COLUMN deleted")
    op.execute("ALTER TABLE message DROP COLUMN author_kind")

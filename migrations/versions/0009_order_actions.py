"""Order actions: the refunds, cancels and address changes an agent queued, shown beside their order.

Revision ID: 0009
Revises: 0008

A new table only; nothing existing changes. The DDL is a frozen copy of deskapp/store/schema_orders.py
as of this revision: migrations never import app code.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TABLE = """CREATE TABLE order_action (
	client_id TEXT NOT NULL, 
	account_id INTEGER NOT NULL, 
	order_external_id TEXT NOT NULL, 
	kind TEXT NOT NULL, 
	summary TEXT NOT NULL, 
	state TEXT DEFAULT 'queued' NOT NULL, 
	detail TEXT DEFAULT '' NOT NULL, 
	created_at FLOAT NOT NULL, 
	PRIMARY KEY (client_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
)"""
_INDEX = "CREATE INDEX ix_order_action_order ON order_action (account_id, order_external_id, created_at)"


def upgrade() -> None:
    op.execute(_TABLE)
    op.execute(_INDEX)


def downgrade() -> None:
    op.execute("DROP TABLE order_action")

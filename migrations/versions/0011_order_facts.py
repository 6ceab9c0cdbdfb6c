"""Orders keep the facts return eligibility and the refund figures need.

Revision ID: 0011
Revises: 0010

"order" gains what was refunded and when it was shipped and delivered; order_line what of it was refunded
and its product's tags and type; order_refund is new (the shop's refunds of each order). Rows of older
caches get the defaults, and the cursors of the shops' order streams are cleared so the next pass pulls
every order again with its facts. The DDL is a frozen copy of deskapp/store/schema.py and
deskapp/store/schema_orders.py as of this revision: migrations never import app code.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_COLUMNS = [
    "ALTER TABLE \"order\" ADD COLUMN total_refunded FLOAT DEFAULT '0' NOT NULL",
    'ALTER TABLE "order" ADD COLUMN delivered_at INTEGER',
    'ALTER TABLE "order" ADD COLUMN fulfilled_at INTEGER',
    "ALTER TABLE \"order\" ADD COLUMN in_transit INTEGER DEFAULT '0' NOT NULL",
    "ALTER TABLE order_line ADD COLUMN refunded_quantity INTEGER DEFAULT '0' NOT NULL",
    "ALTER TABLE order_line ADD COLUMN product_tags TEXT DEFAULT '[]' NOT NULL",
    "ALTER TABLE order_line ADD COLUMN product_type TEXT DEFAULT '' NOT NULL",
]
_REFUNDS = """CREATE TABLE order_refund (
	id INTEGER NOT NULL, 
	order_id INTEGER NOT NULL, 
	external_id TEXT NOT NULL, 
	created_at INTEGER, 
	amount FLOAT DEFAULT '0' NOT NULL, 
	currency TEXT DEFAULT '' NOT NULL, 
	note TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (order_id, external_id), 
	FOREIGN KEY(order_id) REFERENCES "order" (id) ON DELETE CASCADE
)"""
_INDEX = "CREATE INDEX ix_order_refund_created ON order_refund (created_at)"


def upgrade() -> None:
    for statement in _COLUMNS:
        op.execute(statement)
    op.execute(_REFUNDS)
    op.execute(_INDEX)
    # Orders are pulled again from the start so every order held gets its facts; the rows are updated, not
    # duplicated (they are keyed by the shop's id).
    op.execute("DELETE FROM sync_cursor WHERE stream = 'orders'"
               " AND account_id IN (SELECT id FROM account WHERE kind = 'shopify')")


def downgrade() -> None:
    op.execute("DROP TABLE order_refund")
    for table, column in (("order", "total_refunded"), ("order", "delivered_at"), ("order", "fulfilled_at"),
                          ("order", "in_transit"), ("order_line", "refunded_quantity"),
                          ("order_line", "product_tags"), ("order_line", "product_type")):
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN {column}')

"""Email channel: RFC 5322 threading headers and IMAP folder state (issue 4).

Revision ID: 0002
Revises: 0001
Reserved in the chain by the skeleton so features can land in any order; empty until filled.
"""

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

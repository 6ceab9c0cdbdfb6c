"""Copilot: triage model state and template extras (issue 6).

Revision ID: 0004
Revises: 0003
Reserved in the chain by the skeleton so features can land in any order; empty until filled.
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

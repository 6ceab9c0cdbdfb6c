"""KPI rollup tables kept current during ingest (issue 7).

Revision ID: 0003
Revises: 0002
Reserved in the chain by the skeleton so features can land in any order; empty until filled.
"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

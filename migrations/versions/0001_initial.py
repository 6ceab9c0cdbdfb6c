"""Initial schema of the local cache: every table of the data model, FTS5 and its triggers.

Revision ID: 0001
Revises:
"""

from pathlib import Path

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQL = Path(__file__).with_suffix(".sql")


def _statements(script: str) -> list[str]:
    """Split the DDL file on ';' at the end of a line, keeping trigger bodies (which hold ';') whole."""
    statements, current = [], []
    for line in script.splitlines():
        if line.lstrip().startswith("--") and not current:
            continue
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and (not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")):
            statements.append(text)
            current = []
    return statements


def upgrade() -> None:
    for statement in _statements(_SQL.read_text(encoding="utf-8")):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("the first revision cannot be downgraded: delete the cache file instead")

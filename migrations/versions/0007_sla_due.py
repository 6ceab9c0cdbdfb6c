"""First-response deadlines: conversation.sla_due_at filled, and copied into the KPI rollups.

Revision ID: 0007
Revises: 0006

Nothing wrote conversation.sla_due_at before this revision. It becomes first inbound message + the
channel's first-response target (the agent's ``kpi.sla_targets`` setting over the defaults) while no
public human reply came after that message (a reply still in the outbox counts; a failed one does not),
NULL otherwise; kpi_conversation gets a copy (the triggers and the covering index of open conversations
take the new column), so the inbox chip and the dashboard's clocks read the same deadline. The SQL and
the default targets are a frozen copy of deskapp.store.sla_clock and deskapp.domain.sla as of this
revision: migrations never import app code.
"""

import json

from alembic import op
from sqlalchemy import text

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_DEFAULT_TARGETS = {"email": 43200, "web_chat": 120, "whatsapp": 120, "instagram": 3600, "messenger": 3600,
                    "telegram": 120, "sms": 3600, "api": 120, "other": 43200}

_COPIED = "account_id, customer_id, channel, status, assignee_id, team_id, intent, created_at, resolved_at"


def _triggers(columns: str) -> list[str]:
    names = [c.strip() for c in columns.split(",")]
    return [
        f"""CREATE TRIGGER kpi_conversation_ai AFTER INSERT ON conversation BEGIN
    INSERT OR IGNORE INTO kpi_conversation (conversation_id, {columns})
    VALUES (new.id, {", ".join("new." + c for c in names)});
END""",
        f"""CREATE TRIGGER kpi_conversation_au AFTER UPDATE OF {columns} ON conversation BEGIN
    UPDATE kpi_conversation SET {", ".join(f"{c} = new.{c}" for c in names)}
    WHERE conversation_id = new.id;
END""",
    ]


def _open_index(extra: str) -> str:
    return ("CREATE INDEX ix_kpi_conv_open ON kpi_conversation (status, created_at, channel, assignee_id, team_id,"
            f" intent, first_inbound_at, first_reply_at{extra})")


def _targets(setting: str | None) -> dict[str, int]:
    targets = dict(_DEFAULT_TARGETS)
    try:
        overrides = json.loads(setting) if setting else {}
    except ValueError:
        overrides = {}
    if isinstance(overrides, dict):
        for key, value in overrides.items():
            if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                targets[str(key)] = int(value)
    return targets


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS kpi_conversation_au")
    op.execute("DROP TRIGGER IF EXISTS kpi_conversation_ai")
    op.execute("DROP INDEX IF EXISTS ix_kpi_conv_open")
    op.execute("ALTER TABLE kpi_conversation ADD COLUMN sla_due_at INTEGER")
    op.execute(_open_index(", sla_due_at"))
    for trigger in _triggers(_COPIED + ", sla_due_at"):
        op.execute(trigger)
    bind = op.get_bind()
    setting = bind.execute(text("SELECT value FROM setting WHERE key = 'kpi.sla_targets'")).scalar()
    targets = _targets(setting)
    whens = " ".join(f"WHEN :c{i} THEN :t{i}" for i in range(len(targets)))
    params: dict = {}
    for i, (channel, seconds) in enumerate(sorted(targets.items())):
        params[f"c{i}"], params[f"t{i}"] = channel, seconds
    params["default"] = targets["other"]
    # every row is written, so the new trigger copies each deadline into kpi_conversation
    bind.execute(text(
        "UPDATE conversation SET sla_due_at = d.at FROM ("
        " SELECT s.id AS id, CASE WHEN s.first_in IS NULL OR EXISTS (SELECT 1 FROM message r"
        "   WHERE r.conversation_id = s.id AND r.direction = 'out' AND r.automated = 0 AND r.delivery != 'failed'"
        "   AND r.sent_at >= s.first_in) THEN NULL"
        f"  ELSE s.first_in + (CASE s.channel {whens} ELSE :default END) END AS at"
        " FROM (SELECT c.id AS id, c.channel AS channel, (SELECT min(m.sent_at) FROM message m"
        "   WHERE m.conversation_id = c.id AND m.direction = 'in') AS first_in FROM conversation c) s"
        ") d WHERE d.id = conversation.id"), params)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS kpi_conversation_au")
    op.execute("DROP TRIGGER IF EXISTS kpi_conversation_ai")
    op.execute("DROP INDEX IF EXISTS ix_kpi_conv_open")
    op.execute("ALTER TABLE kpi_conversation DROP COLUMN sla_due_at")
    op.execute(_open_index(""))
    for trigger in _triggers(_COPIED):
        op.execute(trigger)
    op.execute("UPDATE conversation SET sla_due_at = NULL")

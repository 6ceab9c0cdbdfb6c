"""Label rows of the daily KPI rollups, kept by triggers, and the survey answers' covering index.

Revision ID: 0014
Revises: 0013

Creates the index ix_survey_kind_at_score and the six triggers on conversation_label and kpi_conversation
that keep the 'label' and 'label/m' rows of kpi_day (conversations created per local day or month and
label). A cache whose rollups are built (kpi_day_zone holds its zone) gets its label rows counted once here,
so it is complete without a rebuild; otherwise deskapp.kpi.day_rollup.rebuild counts them with the rest on
first use. Triggers of these names that an earlier deskapp made at run time are replaced. The SQL is a
frozen copy of deskapp.kpi.day_rollup.LABEL_TRIGGERS and of its count as of this revision: migrations never
import app code.
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_NAMES = ("kpi_label_day_li", "kpi_label_day_ld", "kpi_label_day_lu", "kpi_label_day_ci", "kpi_label_day_cd",
          "kpi_label_day_cu")
_INDEX = "CREATE INDEX IF NOT EXISTS ix_survey_kind_at_score ON survey_response (kind, at, score, conversation_id)"
_CLEAR = "DELETE FROM kpi_day WHERE scope IN ('label', 'label/m')"

_TRIGGERS = [
    ('CREATE TRIGGER kpi_label_day_li AFTER INSERT ON conversation_label WHEN EXISTS (SELECT 1 FROM '
     'kpi_day_zone) BEGIN INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT CASE '
     "g.m WHEN 0 THEN 'label' ELSE 'label/m' END, CASE g.m WHEN 0 THEN d.day ELSE d.month END, NEW.label, "
     "'created', 0, 1, 0 FROM (SELECT day, month FROM kpi_zone_day WHERE start <= (SELECT created_at FROM "
     'kpi_conversation WHERE conversation_id = NEW.conversation_id) ORDER BY start DESC LIMIT 1) d, '
     '(SELECT 0 AS m UNION ALL SELECT 1) g WHERE true ON CONFLICT (scope, day, scope_id, metric, bucket) '
     'DO UPDATE SET n = n + excluded.n; END'),
    ('CREATE TRIGGER kpi_label_day_ld AFTER DELETE ON conversation_label WHEN EXISTS (SELECT 1 FROM '
     'kpi_day_zone) BEGIN INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT CASE '
     "g.m WHEN 0 THEN 'label' ELSE 'label/m' END, CASE g.m WHEN 0 THEN d.day ELSE d.month END, OLD.label, "
     "'created', 0, -1, 0 FROM (SELECT day, month FROM kpi_zone_day WHERE start <= (SELECT created_at FROM "
     'kpi_conversation WHERE conversation_id = OLD.conversation_id) ORDER BY start DESC LIMIT 1) d, '
     '(SELECT 0 AS m UNION ALL SELECT 1) g WHERE true ON CONFLICT (scope, day, scope_id, metric, bucket) '
     'DO UPDATE SET n = n + excluded.n; END'),
    ('CREATE TRIGGER kpi_label_day_lu AFTER UPDATE ON conversation_label WHEN EXISTS (SELECT 1 FROM '
     'kpi_day_zone) BEGIN INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT CASE '
     "g.m WHEN 0 THEN 'label' ELSE 'label/m' END, CASE g.m WHEN 0 THEN d.day ELSE d.month END, OLD.label, "
     "'created', 0, -1, 0 FROM (SELECT day, month FROM kpi_zone_day WHERE start <= (SELECT created_at FROM "
     'kpi_conversation WHERE conversation_id = OLD.conversation_id) ORDER BY start DESC LIMIT 1) d, '
     '(SELECT 0 AS m UNION ALL SELECT 1) g WHERE true ON CONFLICT (scope, day, scope_id, metric, bucket) '
     'DO UPDATE SET n = n + excluded.n; INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, '
     "total) SELECT CASE g.m WHEN 0 THEN 'label' ELSE 'label/m' END, CASE g.m WHEN 0 THEN d.day ELSE "
     "d.month END, NEW.label, 'created', 0, 1, 0 FROM (SELECT day, month FROM kpi_zone_day WHERE start <= "
     '(SELECT created_at FROM kpi_conversation WHERE conversation_id = NEW.conversation_id) ORDER BY start '
     'DESC LIMIT 1) d, (SELECT 0 AS m UNION ALL SELECT 1) g WHERE true ON CONFLICT (scope, day, scope_id, '
     'metric, bucket) DO UPDATE SET n = n + excluded.n; END'),
    ('CREATE TRIGGER kpi_label_day_ci AFTER INSERT ON kpi_conversation WHEN EXISTS (SELECT 1 FROM '
     'kpi_day_zone) BEGIN INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT CASE '
     "g.m WHEN 0 THEN 'label' ELSE 'label/m' END, CASE g.m WHEN 0 THEN d.day ELSE d.month END, lb.label, "
     "'created', 0, 1, 0 FROM (SELECT day, month FROM kpi_zone_day WHERE start <= NEW.created_at ORDER BY "
     'start DESC LIMIT 1) d, (SELECT 0 AS m UNION ALL SELECT 1) g, conversation_label lb WHERE '
     'lb.conversation_id = NEW.conversation_id ON CONFLICT (scope, day, scope_id, metric, bucket) DO '
     'UPDATE SET n = n + excluded.n; END'),
    ('CREATE TRIGGER kpi_label_day_cd AFTER DELETE ON kpi_conversation WHEN EXISTS (SELECT 1 FROM '
     'kpi_day_zone) BEGIN INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT CASE '
     "g.m WHEN 0 THEN 'label' ELSE 'label/m' END, CASE g.m WHEN 0 THEN d.day ELSE d.month END, lb.label, "
     "'created', 0, -1, 0 FROM (SELECT day, month FROM kpi_zone_day WHERE start <= OLD.created_at ORDER BY "
     'start DESC LIMIT 1) d, (SELECT 0 AS m UNION ALL SELECT 1) g, conversation_label lb WHERE '
     'lb.conversation_id = OLD.conversation_id ON CONFLICT (scope, day, scope_id, metric, bucket) DO '
     'UPDATE SET n = n + excluded.n; END'),
    ('CREATE TRIGGER kpi_label_day_cu AFTER UPDATE OF created_at ON kpi_conversation WHEN EXISTS (SELECT 1 '
     'FROM kpi_day_zone) AND OLD.created_at IS NOT NEW.created_at BEGIN INSERT INTO kpi_day (scope, day, '
     "scope_id, metric, bucket, n, total) SELECT CASE g.m WHEN 0 THEN 'label' ELSE 'label/m' END, CASE g.m "
     "WHEN 0 THEN d.day ELSE d.month END, lb.label, 'created', 0, -1, 0 FROM (SELECT day, month FROM "
     'kpi_zone_day WHERE start <= OLD.created_at ORDER BY start DESC LIMIT 1) d, (SELECT 0 AS m UNION ALL '
     'SELECT 1) g, conversation_label lb WHERE lb.conversation_id = OLD.conversation_id ON CONFLICT '
     '(scope, day, scope_id, metric, bucket) DO UPDATE SET n = n + excluded.n; INSERT INTO kpi_day (scope, '
     "day, scope_id, metric, bucket, n, total) SELECT CASE g.m WHEN 0 THEN 'label' ELSE 'label/m' END, "
     "CASE g.m WHEN 0 THEN d.day ELSE d.month END, lb.label, 'created', 0, 1, 0 FROM (SELECT day, month "
     'FROM kpi_zone_day WHERE start <= NEW.created_at ORDER BY start DESC LIMIT 1) d, (SELECT 0 AS m UNION '
     'ALL SELECT 1) g, conversation_label lb WHERE lb.conversation_id = NEW.conversation_id ON CONFLICT '
     '(scope, day, scope_id, metric, bucket) DO UPDATE SET n = n + excluded.n; END'),
]

_COUNTS = [
    ("INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT 'label', (SELECT day "
     'FROM kpi_zone_day WHERE start <= k.created_at ORDER BY start DESC LIMIT 1) AS d, lb.label, '
     "'created', 0, count(*), 0 FROM conversation_label lb JOIN kpi_conversation k ON k.conversation_id = "
     'lb.conversation_id WHERE k.created_at IS NOT NULL GROUP BY d, lb.label HAVING d IS NOT NULL'),
    ("INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT 'label/m', (SELECT month "
     'FROM kpi_zone_day WHERE start <= k.created_at ORDER BY start DESC LIMIT 1) AS d, lb.label, '
     "'created', 0, count(*), 0 FROM conversation_label lb JOIN kpi_conversation k ON k.conversation_id = "
     'lb.conversation_id WHERE k.created_at IS NOT NULL GROUP BY d, lb.label HAVING d IS NOT NULL'),
]


def upgrade() -> None:
    op.execute(_INDEX)
    for name in _NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in _TRIGGERS:
        op.execute(statement)
    if op.get_bind().exec_driver_sql("SELECT 1 FROM kpi_day_zone").first() is not None:
        op.execute(_CLEAR)
        for statement in _COUNTS:
            op.execute(statement)


def downgrade() -> None:
    for name in _NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP INDEX IF EXISTS ix_survey_kind_at_score")
    op.execute(_CLEAR)

"""Daily KPI rollups: per local day and scope, counts, sums and histograms of the KPI cohorts.

Revision ID: 0013
Revises: 0012

Creates kpi_day, kpi_day_zone, kpi_zone_day, kpi_hist_edge and kpi_sla_target (see
deskapp/store/schema_kpi_day.py), the partial index of the conversations still waiting for a first reply,
and the triggers on kpi_conversation that keep kpi_day current. The rows are not filled here: they depend
on the agent's time zone and SLA targets, which the app knows, so deskapp.kpi.day_rollup.ensure fills them
on first use (kpi_day_zone stays empty until then, and the triggers idle). The SQL is a frozen copy of
deskapp.store.schema_kpi_day and deskapp.kpi.day_rollup.TRIGGERS as of this revision: migrations never
import app code.
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """CREATE TABLE kpi_day (
    scope TEXT NOT NULL,
    day INTEGER NOT NULL,
    scope_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (scope, day, scope_id, metric, bucket)
)
 WITHOUT ROWID""",
    """CREATE TABLE kpi_day_zone (
    zone TEXT NOT NULL,
    PRIMARY KEY (zone)
)""",
    """CREATE TABLE kpi_zone_day (
    start INTEGER NOT NULL,
    day INTEGER NOT NULL,
    month INTEGER NOT NULL,
    PRIMARY KEY (start)
)""",
    """CREATE TABLE kpi_hist_edge (
    lo INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    PRIMARY KEY (lo)
)""",
    """CREATE TABLE kpi_sla_target (
    channel TEXT NOT NULL,
    seconds INTEGER NOT NULL,
    PRIMARY KEY (channel)
)""",
    ('CREATE INDEX ix_kpi_conv_waiting ON kpi_conversation (created_at, channel, first_inbound_at) WHERE '
     "first_inbound_at IS NOT NULL AND first_reply_at IS NULL AND status != 'resolved'"),
    ('CREATE TRIGGER kpi_day_ai AFTER INSERT ON kpi_conversation WHEN EXISTS (SELECT 1 FROM kpi_day_zone) '
     'BEGIN INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT CASE g.m WHEN 0 '
     "THEN s.scope ELSE s.scope || '/m' END, CASE g.m WHEN 0 THEN f.day ELSE f.month END, s.id, f.metric, "
     "f.bucket, 1, 1 * f.value FROM (SELECT 'all' AS scope, '' AS id UNION ALL SELECT 'agent', "
     "coalesce(CAST(NEW.assignee_id AS TEXT), '') UNION ALL SELECT 'team', coalesce(CAST(NEW.team_id AS "
     "TEXT), '') UNION ALL SELECT 'account', coalesce(CAST(NEW.account_id AS TEXT), '') UNION ALL SELECT "
     "'channel', coalesce(CAST(NEW.channel AS TEXT), '') UNION ALL SELECT 'intent', "
     "coalesce(CAST(NEW.intent AS TEXT), '')) s, (SELECT (SELECT day FROM kpi_zone_day WHERE start <= "
     'NEW.created_at ORDER BY start DESC LIMIT 1) AS day, (SELECT month FROM kpi_zone_day WHERE start <= '
     "NEW.created_at ORDER BY start DESC LIMIT 1) AS month, 'created' AS metric, 0 AS bucket, 0 AS value "
     'WHERE NEW.created_at IS NOT NULL UNION ALL SELECT (SELECT day FROM kpi_zone_day WHERE start <= '
     'NEW.created_at ORDER BY start DESC LIMIT 1), (SELECT month FROM kpi_zone_day WHERE start <= '
     "NEW.created_at ORDER BY start DESC LIMIT 1), 'frt', coalesce((SELECT bucket FROM kpi_hist_edge WHERE"
     ' lo <= (NEW.first_reply_at - NEW.first_inbound_at) ORDER BY lo DESC LIMIT 1), 0), '
     '(NEW.first_reply_at - NEW.first_inbound_at) WHERE NEW.created_at IS NOT NULL AND '
     'NEW.first_inbound_at IS NOT NULL AND NEW.first_reply_at IS NOT NULL UNION ALL SELECT (SELECT day '
     'FROM kpi_zone_day WHERE start <= NEW.created_at ORDER BY start DESC LIMIT 1), (SELECT month FROM '
     "kpi_zone_day WHERE start <= NEW.created_at ORDER BY start DESC LIMIT 1), 'late', 0, 0 WHERE "
     'NEW.created_at IS NOT NULL AND NEW.first_inbound_at IS NOT NULL AND NEW.first_reply_at IS NOT NULL '
     'AND (NEW.first_reply_at - NEW.first_inbound_at) > coalesce((SELECT seconds FROM kpi_sla_target WHERE'
     " channel = NEW.channel), (SELECT seconds FROM kpi_sla_target WHERE channel = 'other')) UNION ALL "
     'SELECT (SELECT day FROM kpi_zone_day WHERE start <= NEW.resolved_at ORDER BY start DESC LIMIT 1), '
     '(SELECT month FROM kpi_zone_day WHERE start <= NEW.resolved_at ORDER BY start DESC LIMIT 1), '
     "'resolved', coalesce((SELECT bucket FROM kpi_hist_edge WHERE lo <= (NEW.resolved_at - "
     'NEW.created_at) ORDER BY lo DESC LIMIT 1), 0), (NEW.resolved_at - NEW.created_at) WHERE NEW.status ='
     " 'resolved' AND NEW.resolved_at IS NOT NULL UNION ALL SELECT (SELECT day FROM kpi_zone_day WHERE "
     'start <= NEW.resolved_at ORDER BY start DESC LIMIT 1), (SELECT month FROM kpi_zone_day WHERE start '
     "<= NEW.resolved_at ORDER BY start DESC LIMIT 1), 'fcr', 0, 0 WHERE NEW.status = 'resolved' AND "
     'NEW.resolved_at IS NOT NULL AND NEW.human_replies = 1 AND NEW.reopened_7d = 0) f, (SELECT 0 AS m '
     'UNION ALL SELECT 1) g WHERE f.day IS NOT NULL ON CONFLICT (scope, day, scope_id, metric, bucket) DO '
     'UPDATE SET n = n + excluded.n, total = total + excluded.total; END'),
    ('CREATE TRIGGER kpi_day_ad AFTER DELETE ON kpi_conversation WHEN EXISTS (SELECT 1 FROM kpi_day_zone) '
     'BEGIN INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT CASE g.m WHEN 0 '
     "THEN s.scope ELSE s.scope || '/m' END, CASE g.m WHEN 0 THEN f.day ELSE f.month END, s.id, f.metric, "
     "f.bucket, -1, -1 * f.value FROM (SELECT 'all' AS scope, '' AS id UNION ALL SELECT 'agent', "
     "coalesce(CAST(OLD.assignee_id AS TEXT), '') UNION ALL SELECT 'team', coalesce(CAST(OLD.team_id AS "
     "TEXT), '') UNION ALL SELECT 'account', coalesce(CAST(OLD.account_id AS TEXT), '') UNION ALL SELECT "
     "'channel', coalesce(CAST(OLD.channel AS TEXT), '') UNION ALL SELECT 'intent', "
     "coalesce(CAST(OLD.intent AS TEXT), '')) s, (SELECT (SELECT day FROM kpi_zone_day WHERE start <= "
     'OLD.created_at ORDER BY start DESC LIMIT 1) AS day, (SELECT month FROM kpi_zone_day WHERE start <= '
     "OLD.created_at ORDER BY start DESC LIMIT 1) AS month, 'created' AS metric, 0 AS bucket, 0 AS value "
     'WHERE OLD.created_at IS NOT NULL UNION ALL SELECT (SELECT day FROM kpi_zone_day WHERE start <= '
     'OLD.created_at ORDER BY start DESC LIMIT 1), (SELECT month FROM kpi_zone_day WHERE start <= '
     "OLD.created_at ORDER BY start DESC LIMIT 1), 'frt', coalesce((SELECT bucket FROM kpi_hist_edge WHERE"
     ' lo <= (OLD.first_reply_at - OLD.first_inbound_at) ORDER BY lo DESC LIMIT 1), 0), '
     '(OLD.first_reply_at - OLD.first_inbound_at) WHERE OLD.created_at IS NOT NULL AND '
     'OLD.first_inbound_at IS NOT NULL AND OLD.first_reply_at IS NOT NULL UNION ALL SELECT (SELECT day '
     'FROM kpi_zone_day WHERE start <= OLD.created_at ORDER BY start DESC LIMIT 1), (SELECT month FROM '
     "kpi_zone_day WHERE start <= OLD.created_at ORDER BY start DESC LIMIT 1), 'late', 0, 0 WHERE "
     'OLD.created_at IS NOT NULL AND OLD.first_inbound_at IS NOT NULL AND OLD.first_reply_at IS NOT NULL '
     'AND (OLD.first_reply_at - OLD.first_inbound_at) > coalesce((SELECT seconds FROM kpi_sla_target WHERE'
     " channel = OLD.channel), (SELECT seconds FROM kpi_sla_target WHERE channel = 'other')) UNION ALL "
     'SELECT (SELECT day FROM kpi_zone_day WHERE start <= OLD.resolved_at ORDER BY start DESC LIMIT 1), '
     '(SELECT month FROM kpi_zone_day WHERE start <= OLD.resolved_at ORDER BY start DESC LIMIT 1), '
     "'resolved', coalesce((SELECT bucket FROM kpi_hist_edge WHERE lo <= (OLD.resolved_at - "
     'OLD.created_at) ORDER BY lo DESC LIMIT 1), 0), (OLD.resolved_at - OLD.created_at) WHERE OLD.status ='
     " 'resolved' AND OLD.resolved_at IS NOT NULL UNION ALL SELECT (SELECT day FROM kpi_zone_day WHERE "
     'start <= OLD.resolved_at ORDER BY start DESC LIMIT 1), (SELECT month FROM kpi_zone_day WHERE start '
     "<= OLD.resolved_at ORDER BY start DESC LIMIT 1), 'fcr', 0, 0 WHERE OLD.status = 'resolved' AND "
     'OLD.resolved_at IS NOT NULL AND OLD.human_replies = 1 AND OLD.reopened_7d = 0) f, (SELECT 0 AS m '
     'UNION ALL SELECT 1) g WHERE f.day IS NOT NULL ON CONFLICT (scope, day, scope_id, metric, bucket) DO '
     'UPDATE SET n = n + excluded.n, total = total + excluded.total; END'),
    ('CREATE TRIGGER kpi_day_au AFTER UPDATE OF created_at, resolved_at, status, assignee_id, team_id, '
     'account_id, channel, intent, first_inbound_at, first_reply_at, human_replies, reopened_7d ON '
     'kpi_conversation WHEN EXISTS (SELECT 1 FROM kpi_day_zone) AND (OLD.created_at IS NOT NEW.created_at '
     'OR OLD.resolved_at IS NOT NEW.resolved_at OR OLD.status IS NOT NEW.status OR OLD.assignee_id IS NOT '
     'NEW.assignee_id OR OLD.team_id IS NOT NEW.team_id OR OLD.account_id IS NOT NEW.account_id OR '
     'OLD.channel IS NOT NEW.channel OR OLD.intent IS NOT NEW.intent OR OLD.first_inbound_at IS NOT '
     'NEW.first_inbound_at OR OLD.first_reply_at IS NOT NEW.first_reply_at OR OLD.reopened_7d IS NOT '
     'NEW.reopened_7d OR (OLD.human_replies = 1) IS NOT (NEW.human_replies = 1)) BEGIN INSERT INTO kpi_day'
     ' (scope, day, scope_id, metric, bucket, n, total) SELECT CASE g.m WHEN 0 THEN s.scope ELSE s.scope '
     "|| '/m' END, CASE g.m WHEN 0 THEN f.day ELSE f.month END, s.id, f.metric, f.bucket, -1, -1 * f.value"
     " FROM (SELECT 'all' AS scope, '' AS id UNION ALL SELECT 'agent', coalesce(CAST(OLD.assignee_id AS "
     "TEXT), '') UNION ALL SELECT 'team', coalesce(CAST(OLD.team_id AS TEXT), '') UNION ALL SELECT "
     "'account', coalesce(CAST(OLD.account_id AS TEXT), '') UNION ALL SELECT 'channel', "
     "coalesce(CAST(OLD.channel AS TEXT), '') UNION ALL SELECT 'intent', coalesce(CAST(OLD.intent AS "
     "TEXT), '')) s, (SELECT (SELECT day FROM kpi_zone_day WHERE start <= OLD.created_at ORDER BY start "
     'DESC LIMIT 1) AS day, (SELECT month FROM kpi_zone_day WHERE start <= OLD.created_at ORDER BY start '
     "DESC LIMIT 1) AS month, 'created' AS metric, 0 AS bucket, 0 AS value WHERE OLD.created_at IS NOT "
     'NULL UNION ALL SELECT (SELECT day FROM kpi_zone_day WHERE start <= OLD.created_at ORDER BY start '
     'DESC LIMIT 1), (SELECT month FROM kpi_zone_day WHERE start <= OLD.created_at ORDER BY start DESC '
     "LIMIT 1), 'frt', coalesce((SELECT bucket FROM kpi_hist_edge WHERE lo <= (OLD.first_reply_at - "
     'OLD.first_inbound_at) ORDER BY lo DESC LIMIT 1), 0), (OLD.first_reply_at - OLD.first_inbound_at) '
     'WHERE OLD.created_at IS NOT NULL AND OLD.first_inbound_at IS NOT NULL AND OLD.first_reply_at IS NOT '
     'NULL UNION ALL SELECT (SELECT day FROM kpi_zone_day WHERE start <= OLD.created_at ORDER BY start '
     'DESC LIMIT 1), (SELECT month FROM kpi_zone_day WHERE start <= OLD.created_at ORDER BY start DESC '
     "LIMIT 1), 'late', 0, 0 WHERE OLD.created_at IS NOT NULL AND OLD.first_inbound_at IS NOT NULL AND "
     'OLD.first_reply_at IS NOT NULL AND (OLD.first_reply_at - OLD.first_inbound_at) > coalesce((SELECT '
     'seconds FROM kpi_sla_target WHERE channel = OLD.channel), (SELECT seconds FROM kpi_sla_target WHERE '
     "channel = 'other')) UNION ALL SELECT (SELECT day FROM kpi_zone_day WHERE start <= OLD.resolved_at "
     'ORDER BY start DESC LIMIT 1), (SELECT month FROM kpi_zone_day WHERE start <= OLD.resolved_at ORDER '
     "BY start DESC LIMIT 1), 'resolved', coalesce((SELECT bucket FROM kpi_hist_edge WHERE lo <= "
     '(OLD.resolved_at - OLD.created_at) ORDER BY lo DESC LIMIT 1), 0), (OLD.resolved_at - OLD.created_at)'
     " WHERE OLD.status = 'resolved' AND OLD.resolved_at IS NOT NULL UNION ALL SELECT (SELECT day FROM "
     'kpi_zone_day WHERE start <= OLD.resolved_at ORDER BY start DESC LIMIT 1), (SELECT month FROM '
     "kpi_zone_day WHERE start <= OLD.resolved_at ORDER BY start DESC LIMIT 1), 'fcr', 0, 0 WHERE "
     "OLD.status = 'resolved' AND OLD.resolved_at IS NOT NULL AND OLD.human_replies = 1 AND "
     'OLD.reopened_7d = 0) f, (SELECT 0 AS m UNION ALL SELECT 1) g WHERE f.day IS NOT NULL ON CONFLICT '
     '(scope, day, scope_id, metric, bucket) DO UPDATE SET n = n + excluded.n, total = total + '
     'excluded.total; INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total) SELECT CASE g.m'
     " WHEN 0 THEN s.scope ELSE s.scope || '/m' END, CASE g.m WHEN 0 THEN f.day ELSE f.month END, s.id, "
     "f.metric, f.bucket, 1, 1 * f.value FROM (SELECT 'all' AS scope, '' AS id UNION ALL SELECT 'agent', "
     "coalesce(CAST(NEW.assignee_id AS TEXT), '') UNION ALL SELECT 'team', coalesce(CAST(NEW.team_id AS "
     "TEXT), '') UNION ALL SELECT 'account', coalesce(CAST(NEW.account_id AS TEXT), '') UNION ALL SELECT "
     "'channel', coalesce(CAST(NEW.channel AS TEXT), '') UNION ALL SELECT 'intent', "
     "coalesce(CAST(NEW.intent AS TEXT), '')) s, (SELECT (SELECT day FROM kpi_zone_day WHERE start <= "
     'NEW.created_at ORDER BY start DESC LIMIT 1) AS day, (SELECT month FROM kpi_zone_day WHERE start <= '
     "NEW.created_at ORDER BY start DESC LIMIT 1) AS month, 'created' AS metric, 0 AS bucket, 0 AS value "
     'WHERE NEW.created_at IS NOT NULL UNION ALL SELECT (SELECT day FROM kpi_zone_day WHERE start <= '
     'NEW.created_at ORDER BY start DESC LIMIT 1), (SELECT month FROM kpi_zone_day WHERE start <= '
     "NEW.created_at ORDER BY start DESC LIMIT 1), 'frt', coalesce((SELECT bucket FROM kpi_hist_edge WHERE"
     ' lo <= (NEW.first_reply_at - NEW.first_inbound_at) ORDER BY lo DESC LIMIT 1), 0), '
     '(NEW.first_reply_at - NEW.first_inbound_at) WHERE NEW.created_at IS NOT NULL AND '
     'NEW.first_inbound_at IS NOT NULL AND NEW.first_reply_at IS NOT NULL UNION ALL SELECT (SELECT day '
     'FROM kpi_zone_day WHERE start <= NEW.created_at ORDER BY start DESC LIMIT 1), (SELECT month FROM '
     "kpi_zone_day WHERE start <= NEW.created_at ORDER BY start DESC LIMIT 1), 'late', 0, 0 WHERE "
     'NEW.created_at IS NOT NULL AND NEW.first_inbound_at IS NOT NULL AND NEW.first_reply_at IS NOT NULL '
     'AND (NEW.first_reply_at - NEW.first_inbound_at) > coalesce((SELECT seconds FROM kpi_sla_target WHERE'
     " channel = NEW.channel), (SELECT seconds FROM kpi_sla_target WHERE channel = 'other')) UNION ALL "
     'SELECT (SELECT day FROM kpi_zone_day WHERE start <= NEW.resolved_at ORDER BY start DESC LIMIT 1), '
     '(SELECT month FROM kpi_zone_day WHERE start <= NEW.resolved_at ORDER BY start DESC LIMIT 1), '
     "'resolved', coalesce((SELECT bucket FROM kpi_hist_edge WHERE lo <= (NEW.resolved_at - "
     'NEW.created_at) ORDER BY lo DESC LIMIT 1), 0), (NEW.resolved_at - NEW.created_at) WHERE NEW.status ='
     " 'resolved' AND NEW.resolved_at IS NOT NULL UNION ALL SELECT (SELECT day FROM kpi_zone_day WHERE "
     'start <= NEW.resolved_at ORDER BY start DESC LIMIT 1), (SELECT month FROM kpi_zone_day WHERE start '
     "<= NEW.resolved_at ORDER BY start DESC LIMIT 1), 'fcr', 0, 0 WHERE NEW.status = 'resolved' AND "
     'NEW.resolved_at IS NOT NULL AND NEW.human_replies = 1 AND NEW.reopened_7d = 0) f, (SELECT 0 AS m '
     'UNION ALL SELECT 1) g WHERE f.day IS NOT NULL ON CONFLICT (scope, day, scope_id, metric, bucket) DO '
     'UPDATE SET n = n + excluded.n, total = total + excluded.total; END'),
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("kpi_day_au", "kpi_day_ad", "kpi_day_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP INDEX IF EXISTS ix_kpi_conv_waiting")
    for table in ("kpi_sla_target", "kpi_hist_edge", "kpi_zone_day", "kpi_day_zone", "kpi_day"):
        op.execute(f"DROP TABLE IF EXISTS {table}")

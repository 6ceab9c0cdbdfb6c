"""KPI rollup tables kept current during ingest.

Revision ID: 0003
Revises: 0002

Creates kpi_conversation and kpi_reply with their covering indexes (see deskapp/store/schema_kpi.py),
the triggers that copy conversation columns into kpi_conversation, and backfills the rollups of an
existing cache. The SQL is a frozen copy of deskapp.kpi.rollup (TRIGGERS, rebuild_statements()) as of
this revision: migrations never import app code.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_DDL = [
    """CREATE TABLE kpi_conversation (
	conversation_id INTEGER NOT NULL, 
	account_id INTEGER, 
	customer_id INTEGER, 
	channel TEXT, 
	status TEXT, 
	assignee_id INTEGER, 
	team_id INTEGER, 
	intent TEXT, 
	created_at INTEGER, 
	resolved_at INTEGER, 
	first_inbound_at INTEGER, 
	first_reply_at INTEGER, 
	first_reply_agent_id INTEGER, 
	human_replies INTEGER DEFAULT '0' NOT NULL, 
	reopened_7d INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (conversation_id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE CASCADE
)""",
    """CREATE INDEX ix_kpi_conv_created ON kpi_conversation (created_at, channel, status, assignee_id, team_id, intent, first_inbound_at, first_reply_at)""",
    """CREATE INDEX ix_kpi_conv_customer ON kpi_conversation (customer_id, created_at, channel)""",
    """CREATE INDEX ix_kpi_conv_open ON kpi_conversation (status, created_at, channel, assignee_id, team_id, intent, first_inbound_at, first_reply_at)""",
    """CREATE INDEX ix_kpi_conv_resolved ON kpi_conversation (resolved_at, status, created_at, assignee_id, channel, team_id, intent, human_replies, reopened_7d)""",
    """CREATE TABLE kpi_reply (
	conversation_id INTEGER NOT NULL, 
	agent_id INTEGER NOT NULL, 
	bucket INTEGER NOT NULL, 
	replies INTEGER NOT NULL, 
	PRIMARY KEY (conversation_id, agent_id, bucket), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE CASCADE
)""",
    """CREATE INDEX ix_kpi_reply_agent ON kpi_reply (agent_id, bucket, replies)""",
    """CREATE INDEX ix_kpi_reply_bucket ON kpi_reply (bucket, agent_id, replies, conversation_id)""",
    """CREATE TRIGGER kpi_conversation_ai AFTER INSERT ON conversation BEGIN
    INSERT OR IGNORE INTO kpi_conversation (conversation_id, account_id, customer_id, channel, status, assignee_id, team_id, intent, created_at, resolved_at)
    VALUES (new.id, new.account_id, new.customer_id, new.channel, new.status, new.assignee_id, new.team_id, new.intent, new.created_at, new.resolved_at);
END""",
    """CREATE TRIGGER kpi_conversation_au AFTER UPDATE OF account_id, customer_id, channel, status, assignee_id, team_id, intent, created_at, resolved_at ON conversation BEGIN
    UPDATE kpi_conversation SET account_id = new.account_id, customer_id = new.customer_id, channel = new.channel, status = new.status, assignee_id = new.assignee_id, team_id = new.team_id, intent = new.intent, created_at = new.created_at, resolved_at = new.resolved_at
    WHERE conversation_id = new.id;
END""",
]

_BACKFILL = [
    """INSERT INTO kpi_conversation
    (conversation_id, account_id, customer_id, channel, status, assignee_id, team_id, intent, created_at, resolved_at, first_inbound_at, first_reply_at, first_reply_agent_id, human_replies, reopened_7d)

WITH pub AS (
    SELECT m.conversation_id AS cid, m.sent_at AS sent_at, coalesce(a.id, 0) AS agent_id
    FROM message m
    LEFT JOIN agent a ON a.account_id = m.account_id AND a.external_id = m.author_external_id
    WHERE m.direction = 'out' AND m.automated = 0 AND m.delivery NOT IN ('queued', 'sending', 'failed') 
), first_in AS (
    SELECT m.conversation_id AS cid, min(m.sent_at) AS at
    FROM message m WHERE m.direction = 'in'  GROUP BY m.conversation_id
), first_reply AS (
    -- SQLite fills the bare column agent_id from the row holding min(sent_at)
    SELECT pub.cid AS cid, min(pub.sent_at) AS at, pub.agent_id AS agent_id
    FROM pub JOIN first_in ON first_in.cid = pub.cid AND pub.sent_at >= first_in.at
    GROUP BY pub.cid
), replies AS (
    SELECT cid, count(*) AS n FROM pub GROUP BY cid
), reopened AS (
    SELECT DISTINCT r.conversation_id AS cid
    FROM conversation_event e
    JOIN conversation_event r ON r.conversation_id = e.conversation_id
    WHERE (e.kind IN ('reopened', 'reopen') OR (e.kind = 'status' AND e.value IN ('open', 'pending'))) AND (r.kind = 'resolved' OR (r.kind = 'status' AND r.value = 'resolved'))
      AND e.at > r.at AND e.at <= r.at + 604800 
)

SELECT c.id, c.account_id, c.customer_id, c.channel, c.status, c.assignee_id, c.team_id, c.intent, c.created_at, c.resolved_at,
       first_in.at, first_reply.at, first_reply.agent_id, coalesce(replies.n, 0), reopened.cid IS NOT NULL
FROM conversation c
LEFT JOIN first_in ON first_in.cid = c.id
LEFT JOIN first_reply ON first_reply.cid = c.id
LEFT JOIN replies ON replies.cid = c.id
LEFT JOIN reopened ON reopened.cid = c.id
WHERE 1 = 1""",
    """INSERT INTO kpi_reply (conversation_id, agent_id, bucket, replies)

WITH pub AS (
    SELECT m.conversation_id AS cid, m.sent_at AS sent_at, coalesce(a.id, 0) AS agent_id
    FROM message m
    LEFT JOIN agent a ON a.account_id = m.account_id AND a.external_id = m.author_external_id
    WHERE m.direction = 'out' AND m.automated = 0 AND m.delivery NOT IN ('queued', 'sending', 'failed') 
), first_in AS (
    SELECT m.conversation_id AS cid, min(m.sent_at) AS at
    FROM message m WHERE m.direction = 'in'  GROUP BY m.conversation_id
), first_reply AS (
    -- SQLite fills the bare column agent_id from the row holding min(sent_at)
    SELECT pub.cid AS cid, min(pub.sent_at) AS at, pub.agent_id AS agent_id
    FROM pub JOIN first_in ON first_in.cid = pub.cid AND pub.sent_at >= first_in.at
    GROUP BY pub.cid
), replies AS (
    SELECT cid, count(*) AS n FROM pub GROUP BY cid
), reopened AS (
    SELECT DISTINCT r.conversation_id AS cid
    FROM conversation_event e
    JOIN conversation_event r ON r.conversation_id = e.conversation_id
    WHERE (e.kind IN ('reopened', 'reopen') OR (e.kind = 'status' AND e.value IN ('open', 'pending'))) AND (r.kind = 'resolved' OR (r.kind = 'status' AND r.value = 'resolved'))
      AND e.at > r.at AND e.at <= r.at + 604800 
)

SELECT cid, agent_id, sent_at / 900 * 900, count(*) FROM pub GROUP BY cid, agent_id, sent_at / 900""",
]


def upgrade() -> None:
    for statement in _DDL + _BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS kpi_conversation_au")
    op.execute("DROP TRIGGER IF EXISTS kpi_conversation_ai")
    op.execute("DROP TABLE IF EXISTS kpi_reply")
    op.execute("DROP TABLE IF EXISTS kpi_conversation")

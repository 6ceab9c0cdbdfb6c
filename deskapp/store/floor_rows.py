"""Reads for the supervisor's floor: every agent with their open / pending / snoozed counts, and every
conversation still being worked (open or pending) with whether the customer is waiting on a reply."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class AgentCounts:
    id: int
    account_id: int
    external_id: str
    name: str
    email: str
    role: str
    is_me: bool
    open: int
    pending: int
    snoozed: int


@dataclass(frozen=True)
class ActiveConversation:
    id: int
    account_id: int
    assignee_id: int | None
    status: str
    channel: str
    inbox_name: str
    subject: str  # or, when it has none (chats), the customer's name
    sla_due_at: int | None
    waiting_since: int | None  # the customer's last message when no human replied after it; else None


def agent_counts(conn: Connection) -> list[AgentCounts]:
    rows = conn.exec_driver_sql(
        "SELECT a.id, a.account_id, a.external_id, a.name, a.email, a.role, a.is_me,"
        " count(CASE WHEN c.status = 'open' THEN 1 END), count(CASE WHEN c.status = 'pending' THEN 1 END),"
        " count(CASE WHEN c.status = 'snoozed' THEN 1 END)"
        " FROM agent a LEFT JOIN conversation c INDEXED BY ix_conversation_assignee"
        "   ON c.assignee_id = a.id AND c.status IN ('open', 'pending', 'snoozed')"
        " GROUP BY a.id ORDER BY a.name COLLATE NOCASE, a.id").all()
    return [AgentCounts(int(r[0]), int(r[1]), str(r[2]), r[3] or "", r[4] or "", r[5] or "agent", bool(r[6]),
                        int(r[7]), int(r[8]), int(r[9])) for r in rows]


def active_conversations(conn: Connection) -> list[ActiveConversation]:
    """Open and pending conversations; the newest message from the customer or a human (a bot's or an
    automation's reply leaves the customer waiting, as for the SLA clock) decides whether one waits."""
    rows = conn.exec_driver_sql(
        "SELECT c.id, c.account_id, c.assignee_id, c.status, c.channel, c.inbox_name,"
        " coalesce(nullif(c.subject, ''), cu.name, c.snippet, ''), c.sla_due_at,"
        " (SELECT CASE WHEN m.direction = 'in' THEN m.sent_at END FROM message m"
        "   WHERE m.conversation_id = c.id AND m.deleted = 0"
        "     AND (m.direction = 'in' OR (m.direction = 'out' AND m.automated = 0))"
        "   ORDER BY m.sent_at DESC, m.id DESC LIMIT 1)"
        " FROM conversation c INDEXED BY ix_conversation_status_last LEFT JOIN customer cu ON cu.id = c.customer_id"
        " WHERE c.status IN ('open', 'pending')").all()
    return [ActiveConversation(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5] or "", r[6] or "", r[7], r[8])
            for r in rows]

"""The supervisor's floor for the Team tab: agents with their availability and workload, the SLA clocks at
risk now, and the unassigned queue; reassigning through the outbox; setting availability where the hub
lets this user (Chatwoot: anyone their own, through the profile; an administrator anyone's).

``snapshot(now)`` reads the cache (two queries, fast with hundreds of agents) and the presence board;
run it on a worker thread. Availability comes from the agents endpoint (``refresh_availability``) and is
kept up to date by presence events on the board.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from deskapp.connectors import chatwoot_live
from deskapp.domain.sla import clock_state, target_for
from deskapp.services.actions import ActionResult, ActionService
from deskapp.services.hub_link import HubLink
from deskapp.services.presence import AVAILABILITIES, PresenceBoard
from deskapp.store import floor_rows, sla_clock
from deskapp.store.engine import Database

ADMIN_ROLES = ("administrator",)  # AgentsController authorizes on User: UserPolicy#update, administrators only


class FloorError(Exception):
    """An action the floor cannot take (no outbox, a role the hub refuses, an unknown agent)."""


@dataclass(frozen=True)
class AgentLine:
    id: int
    account_id: int
    external_id: str
    name: str
    role: str
    is_me: bool
    availability: str  # online | busy | offline | "" (not heard yet)
    open: int
    pending: int
    snoozed: int
    oldest_waiting_since: int | None


@dataclass(frozen=True)
class QueueLine:
    conversation_id: int
    subject: str
    channel: str
    inbox_name: str
    assignee: str
    waiting_since: int | None
    due_at: int | None
    seconds_left: int | None
    sla_state: str  # "" | ok | at_risk | breaching


@dataclass(frozen=True)
class Floor:
    now: int
    agents: list[AgentLine]
    at_risk: list[QueueLine]  # at risk or breaching now, soonest deadline first
    unassigned: list[QueueLine]  # longest waiting first
    unassigned_by_channel: dict[str, int] = field(default_factory=dict)


class FloorService:
    def __init__(self, db: Database, board: PresenceBoard, *, actions: ActionService | None = None,
                 link: HubLink | None = None) -> None:
        self.db, self.board, self.actions, self.link = db, board, actions, link

    def snapshot(self, *, now: int | None = None) -> Floor:
        now = int(time.time()) if now is None else now
        with self.db.read() as conn:
            agents = floor_rows.agent_counts(conn)
            active = floor_rows.active_conversations(conn)
            targets = sla_clock.targets(conn)
        names = {a.id: a.name for a in agents}
        oldest: dict[int, int] = {}
        at_risk: list[QueueLine] = []
        unassigned: list[QueueLine] = []
        for c in active:
            if c.status == "open" and c.assignee_id is not None and c.waiting_since is not None:
                oldest[c.assignee_id] = min(oldest.get(c.assignee_id, c.waiting_since), c.waiting_since)
            state = clock_state(c.sla_due_at, target_for(targets, c.channel), now, c.status)
            line = QueueLine(c.id, c.subject, c.channel, c.inbox_name, names.get(c.assignee_id or -1, ""),
                             c.waiting_since, c.sla_due_at, None if c.sla_due_at is None else c.sla_due_at - now,
                             state)
            if state in ("at_risk", "breaching"):
                at_risk.append(line)
            if c.assignee_id is None:
                unassigned.append(line)
        at_risk.sort(key=lambda q: (q.due_at or 0, q.conversation_id))
        unassigned.sort(key=lambda q: (q.waiting_since is None, q.waiting_since or 0, q.conversation_id))
        by_channel: dict[str, int] = {}
        for q in unassigned:
            by_channel[q.channel] = by_channel.get(q.channel, 0) + 1
        lines = [AgentLine(a.id, a.account_id, a.external_id, a.name, a.role, a.is_me,
                           self.board.availability(a.account_id, a.external_id), a.open, a.pending, a.snoozed,
                           oldest.get(a.id)) for a in agents]
        return Floor(now, lines, at_risk, unassigned, dict(sorted(by_channel.items(), key=lambda kv: -kv[1])))

    # --- actions ----------------------------------------------------------------------------------

    def reassign(self, conversation_ids: list[int], agent_id: int | None) -> ActionResult:
        """Queue an assign action for each conversation (None unassigns)."""
        if self.actions is None:
            raise FloorError("reassigning needs the outbox, which could not be opened")
        if not conversation_ids:
            raise FloorError("no conversation chosen")
        return self.actions.on_each(list(conversation_ids), "assign", agent_id)

    def may_set_availability(self, agent: AgentLine, signed_in_roles: dict[int, str]) -> bool:
        """Chatwoot lets any user set their own availability, and an administrator anyone's on the account."""
        return agent.is_me or signed_in_roles.get(agent.account_id) in ADMIN_ROLES

    def my_roles(self) -> dict[int, str]:
        """The signed-in agent's role per account."""
        with self.db.read() as conn:
            return {int(r[0]): str(r[1]) for r in conn.exec_driver_sql(
                "SELECT account_id, role FROM agent WHERE is_me = 1")}

    def set_availability(self, agent: AgentLine, availability: str) -> bool:
        """Ask the hub (not queued: a stale availability is wrong); True once it took it."""
        if availability not in AVAILABILITIES:
            raise FloorError(f"availability is one of {', '.join(AVAILABILITIES)}")
        if not self.may_set_availability(agent, self.my_roles()):
            raise FloorError(f"only an administrator can set {agent.name}'s availability on the hub")
        if self.link is None:
            raise FloorError("no hub connection")
        if agent.is_me:
            done = self.link.call(agent.account_id, lambda http, _prefix, hub: chatwoot_live.set_my_availability(
                http, hub, availability), "set availability")
        else:
            done = self.link.call(agent.account_id, lambda http, prefix, _hub: chatwoot_live.set_agent_availability(
                http, prefix, agent.external_id, availability), "set an agent's availability")
        if done:
            self.board.set_availability(agent.account_id, agent.external_id, availability)
        return bool(done)

    def refresh_availability(self) -> int:
        """Availability of every agent from each hub account's agents endpoint; the accounts that answered."""
        if self.link is None:
            return 0
        with self.db.read() as conn:
            accounts = [int(r[0]) for r in conn.exec_driver_sql("SELECT DISTINCT account_id FROM agent")]
        answered = 0
        for account_id in accounts:
            statuses = self.link.call(account_id, lambda http, prefix, _hub: chatwoot_live.agent_availability(
                http, prefix), "agents' availability")
            if statuses is not None:
                self.board.seed_availability(account_id, statuses)
                answered += 1
        return answered

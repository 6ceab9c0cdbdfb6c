"""The shape of a demo hub's seeded history, measured from its raw data (the messages it serves), with the
KPI rules of deskapp/kpi: daily volume, first response per channel, SLA breaches, FCR, per-agent figures."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from deskapp.demo.rhythm import SHIFTS, weekday
from deskapp.demo.state import ACTIVITY, INCOMING, DemoState
from deskapp.domain.enums import Channel
from deskapp.domain.sla import default_sla_targets

DAY = 86400
REOPEN_WINDOW = 7 * DAY
RESOLVED_NOTICE = "Conversation was marked resolved by "
TARGETS = default_sla_targets()


@dataclass
class Shape:
    days: list[int]  # conversations created per day, oldest first (day i = [start + i days, start + i + 1 days))
    frt: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # channel -> seconds
    frt_by_agent: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))  # ÷ channel median
    measured: Counter[str] = field(default_factory=Counter)  # channel -> SLA-measured conversations
    breached: Counter[str] = field(default_factory=Counter)
    resolved: int = 0  # conversations resolved in the period
    fcr: int = 0
    resolution: list[int] = field(default_factory=list)  # seconds from creation to the last resolution
    open_by_age: Counter[int] = field(default_factory=Counter)  # whole days old -> open conversations
    off_hours: list[int] = field(default_factory=list)  # chat-like first responses to messages outside the shifts
    in_hours: list[int] = field(default_factory=list)  # ... and inside them

    @property
    def breach_rate(self) -> float:
        return sum(self.breached.values()) / sum(self.measured.values())

    def median_frt(self, channel: str) -> float:
        return statistics.median(self.frt[channel])


def _staffed(ts: int) -> bool:
    opens, closes = SHIFTS[weekday(ts)]
    return opens <= ts % DAY // 3600 < closes


def measure(state: DemoState, days: int = 30) -> Shape:
    """The figures of the last `days` days before the hub's `now`, the way deskapp's KPI rules count them."""
    now = state.world.now
    start = now - days * DAY
    shape = Shape(days=[0] * days)
    answered_by: list[tuple[int, str, int]] = []
    for conv in state.world.conversations:
        msgs = state.messages(conv)
        if conv.status != "resolved":
            shape.open_by_age[(now - conv.created_at) // DAY] += 1
        resolutions = [m["created_at"] for m in msgs
                       if m["message_type"] == ACTIVITY and m["content"].startswith(RESOLVED_NOTICE)]
        human = [m for m in msgs if state.is_human_reply(m)]
        if conv.status == "resolved" and resolutions and start <= resolutions[-1] < now:
            shape.resolved += 1
            shape.resolution.append(resolutions[-1] - conv.created_at)
            inbound = [m["created_at"] for m in msgs if m["message_type"] == INCOMING]
            reopened = any(r < t <= r + REOPEN_WINDOW for r in resolutions for t in inbound)
            shape.fcr += len(human) == 1 and not reopened
        if not start <= conv.created_at < now:
            continue
        shape.days[(conv.created_at - start) // DAY] += 1
        first_in = min((m["created_at"] for m in msgs if m["message_type"] == INCOMING), default=None)
        if first_in is None:
            continue
        target = TARGETS[Channel(conv.channel).value]
        answer = next((m for m in human if m["created_at"] >= first_in), None)
        if answer is not None:
            frt = answer["created_at"] - first_in
            shape.frt[conv.channel].append(frt)
            answered_by.append((answer["sender_id"], conv.channel, frt))
            shape.measured[conv.channel] += 1
            shape.breached[conv.channel] += frt > target
            if Channel(conv.channel).is_chat_like:
                (shape.in_hours if _staffed(first_in) else shape.off_hours).append(frt)
        elif conv.status != "resolved" and now - first_in > target:
            shape.measured[conv.channel] += 1
            shape.breached[conv.channel] += 1
    # an agent's first answers, each against its channel's median: a fair speed whatever the channel mix
    for agent, channel, frt in answered_by:
        shape.frt_by_agent[agent].append(frt / shape.median_frt(channel))
    return shape

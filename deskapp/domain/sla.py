"""The first-response SLA rule for every layer: targets per channel and the state of a running clock.

A conversation's clock starts at its first inbound message and stops at the first public human reply
after it (a reply still in the outbox stops it too); while it runs, the conversation's ``sla_due_at`` is
start + its channel's target. The inbox chip and the dashboard's "at risk now" / "breaching now" both
read that deadline through ``clock_state``'s rule, so they always name the same conversations.
"""

from __future__ import annotations

import json
from typing import Any

from deskapp.domain.enums import Channel, Status

SETTING_SLA_TARGETS = "kpi.sla_targets"  # JSON {channel: seconds}, merged over the defaults
AT_RISK_SHARE = 0.5  # a running clock is "at risk" once half its channel's target has gone
DEFAULT_TARGET_S = 12 * 3600  # a channel the targets do not name: e-mail's target
RUNNING_STATUSES = (Status.OPEN.value, Status.PENDING.value, Status.SNOOZED.value)  # resolved stops showing it


def default_sla_targets() -> dict[str, int]:
    """Seconds to first response per channel: chat-like 2 min, social and SMS 1 h, email and others 12 h."""
    targets = {}
    for channel in Channel:
        if channel.is_chat_like:
            targets[channel.value] = 120
        elif channel.is_social_or_sms:
            targets[channel.value] = 3600
        else:
            targets[channel.value] = DEFAULT_TARGET_S
    return targets


def sla_targets(setting_value: str | None) -> dict[str, int]:
    """The defaults with the user's overrides (a JSON object of channel -> seconds) applied."""
    targets = default_sla_targets()
    if setting_value:
        try:
            overrides: Any = json.loads(setting_value)
        except ValueError:
            overrides = {}
        if isinstance(overrides, dict):
            for key, value in overrides.items():
                if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                    targets[str(key)] = int(value)
    return targets


def target_for(targets: dict[str, int], channel: str) -> int:
    """The first-response target of ``channel`` (an unknown channel gets the target of "other")."""
    return targets.get(channel, targets.get(Channel.OTHER.value, DEFAULT_TARGET_S))


def clock_state(due_at: int | None, target_s: int, now: float, status: str = Status.OPEN.value) -> str:
    """'' (no clock running, or resolved), 'ok', 'at_risk' (half the target gone, not yet due) or 'breaching'."""
    if due_at is None or status not in RUNNING_STATUSES:
        return ""
    if now > due_at:
        return "breaching"
    if now - (due_at - target_s) >= AT_RISK_SHARE * target_s:
        return "at_risk"
    return "ok"

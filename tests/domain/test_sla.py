"""domain.sla: first-response targets per channel with the user's overrides (bad ones ignored), and the state of
a running clock at the edges of "at risk" and "breaching"; a resolved conversation shows no clock."""

from __future__ import annotations

import json

import pytest

from deskapp.domain.enums import Channel, Status
from deskapp.domain.sla import DEFAULT_TARGET_S, clock_state, default_sla_targets, sla_targets, target_for


def test_default_targets_by_channel_family():
    targets = default_sla_targets()
    assert set(targets) == {c.value for c in Channel}
    assert targets["web_chat"] == targets["whatsapp"] == 120
    assert targets["instagram"] == targets["sms"] == 3600
    assert targets["email"] == targets["other"] == DEFAULT_TARGET_S == 12 * 3600


def test_overrides_replace_the_defaults_they_name():
    targets = sla_targets(json.dumps({"email": 3600, "web_chat": 59.9, "new_channel": 600}))
    assert targets["email"] == 3600 and targets["web_chat"] == 59 and targets["new_channel"] == 600
    assert targets["sms"] == 3600  # untouched


@pytest.mark.parametrize("setting", [None, "", "not json", "[1, 2]", '"email"', "null",
                                     '{"email": -5}', '{"email": 0}', '{"email": true}', '{"email": "3600"}',
                                     '{"email": null}', '{"email": [3600]}'])
def test_malformed_overrides_leave_the_defaults(setting):
    assert sla_targets(setting) == default_sla_targets()


def test_target_for_an_unknown_channel_is_others():
    targets = sla_targets('{"other": 900}')
    assert target_for(targets, "email") == DEFAULT_TARGET_S
    assert target_for(targets, "carrier_pigeon") == 900
    assert target_for({}, "carrier_pigeon") == DEFAULT_TARGET_S


NOW = 1_772_368_200.0  # a pinned instant; the rule is about the distance to the deadline only


@pytest.mark.parametrize(("gone", "state"), [
    (0, "ok"), (59, "ok"), (60, "at_risk"), (119, "at_risk"), (120, "at_risk"), (121, "breaching"),
    (10_000, "breaching"),
])
def test_clock_state_at_the_edges(gone, state):
    """Seconds gone since the clock started, against a 2-minute target: half gone is at risk, past due breaches."""
    due_at = int(NOW) - gone + 120
    assert clock_state(due_at, 120, NOW) == state


@pytest.mark.parametrize("status", [Status.RESOLVED.value, "closed", ""])
def test_no_clock_once_resolved_or_unknown(status):
    assert clock_state(int(NOW) - 10, 120, NOW, status) == ""


@pytest.mark.parametrize("status", [Status.OPEN.value, Status.PENDING.value, Status.SNOOZED.value])
def test_a_clock_runs_while_open_pending_or_snoozed(status):
    assert clock_state(int(NOW) - 10, 120, NOW, status) == "breaching"


def test_no_clock_without_a_deadline():
    assert clock_state(None, 120, NOW) == ""

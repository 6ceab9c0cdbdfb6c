"""Who `deskapp act ... assign` names: an agent or team of the conversation's account, by any of its handles."""

from __future__ import annotations

import pytest

from deskapp.services.actions import ActionError
from deskapp.services.assignees import assignee_id
from tests.faults.seed import seed_cache


@pytest.fixture
def seeded(db):
    return seed_cache(db)


def test_an_agent_by_local_id_external_id_name_or_me(db, seeded):
    conv, me, other = seeded["conversations"][0], seeded["agents"]["a1"], seeded["agents"]["a2"]
    assert assignee_id(db, conv, str(other)) == other
    assert assignee_id(db, conv, "a2") == other
    assert assignee_id(db, conv, "other AGENT") == other  # names ignore case
    assert assignee_id(db, conv, "me") == me
    assert assignee_id(db, conv, "ME") == me


def test_nobody_unassigns(db, seeded):
    conv = seeded["conversations"][0]
    assert [assignee_id(db, conv, who) for who in ("none", "nobody", "-", "None")] == [None] * 4


def test_a_team_by_external_id_or_name(db, seeded):
    conv, team = seeded["conversations"][0], seeded["team_id"]
    assert assignee_id(db, conv, "t1", "team") == team
    assert assignee_id(db, conv, "support", "team") == team


def test_unknown_names_and_conversations_are_refused(db, seeded):
    conv = seeded["conversations"][0]
    with pytest.raises(ActionError, match="no agent 'ghost'"):
        assignee_id(db, conv, "ghost")
    with pytest.raises(ActionError, match="no team 'Other Agent'"):
        assignee_id(db, conv, "Other Agent", "team")  # an agent's name is not a team's
    with pytest.raises(ActionError, match="no conversation with id 999999"):
        assignee_id(db, 999999, "me")
    with pytest.raises(ActionError):
        assignee_id(db, conv, "' OR 1=1 --")  # the name is a bound value, never SQL

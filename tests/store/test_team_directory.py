"""store.team_directory: the agents, teams and labels the cache knows, for pickers, report filters and actions,
and the look-ups by name, email or id that `deskapp act` and the assign action use."""

from __future__ import annotations

import pytest

from deskapp.store import team_directory as directory
from tests.faults.seed import seed_cache


@pytest.fixture
def seeded(db):
    found = seed_cache(db, conversations=3)
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE agent SET email = 'me@shop.example' WHERE external_id = 'a1'")
        conn.exec_driver_sql("INSERT INTO agent (account_id, external_id, name, email) VALUES (?, 'a3', 'bea',"
                             " 'bea@shop.example')", (found["account_id"],))
        conn.exec_driver_sql("INSERT INTO team (account_id, external_id, name) VALUES (?, 't2', 'billing')",
                             (found["account_id"],))
        for conversation_id, labels in zip(found["conversations"], (["vip", "refund"], ["refund"], ["refund", "b2b"]),
                                           strict=True):
            for label in labels:
                conn.exec_driver_sql("INSERT INTO conversation_label VALUES (?, ?)", (conversation_id, label))
    return found


def test_agents_the_signed_in_one_first_then_by_name_whatever_the_case(db, seeded):
    assert [a["name"] for a in directory.agents(db)] == ["Me Agent", "bea", "Other Agent"]
    assert directory.my_agent_ids(db) == {seeded["agents"]["a1"]}
    assert [row[1] for row in directory.agents_by_name(db)] == ["Me Agent", "Other Agent", "bea"]  # plain order
    assert directory.agents_by_name(db)[0][4] is True


def test_teams_and_the_most_used_labels_first(db, seeded):
    assert [t["name"] for t in directory.teams(db)] == ["billing", "Support"]
    assert directory.frequent_labels(db) == ["refund", "b2b", "vip"]


def test_look_ups_by_name_or_email_ignore_case(db, seeded):
    with db.read() as conn:
        assert directory.agent_ids_named(conn, "ME@SHOP.EXAMPLE") == (seeded["agents"]["a1"],)
        assert directory.agent_ids_named(conn, "other agent") == (seeded["agents"]["a2"],)
        assert directory.agent_ids_named(conn, "nobody") == ()
        assert directory.team_ids_named(conn, "SUPPORT") == (seeded["team_id"],)
        assert directory.me_on_account(conn, seeded["account_id"]) == ("Me Agent", "me@shop.example")
        assert directory.me_on_account(conn, seeded["account_id"] + 1) is None
        assert directory.my_agent_on(conn, seeded["account_id"]) == seeded["agents"]["a1"]
        assert directory.conversation_account(conn, seeded["conversations"][0]) == seeded["account_id"]
        assert directory.conversation_account(conn, 99_999) is None


def test_named_on_finds_by_local_id_external_id_name_or_email_and_the_local_id_wins(db, seeded):
    account, other = seeded["account_id"], seeded["agents"]["a2"]
    with db.read() as conn:
        assert directory.named_on(conn, "agent", account, str(other)) == other
        assert directory.named_on(conn, "agent", account, "a2") == other
        assert directory.named_on(conn, "agent", account, "BEA@shop.example") is not None
        assert directory.named_on(conn, "team", account, "t1") == seeded["team_id"]
        assert directory.named_on(conn, "team", account, "me@shop.example") is None  # teams have no email
        assert directory.named_on(conn, "agent", account + 1, "a2") is None  # another account's
        assert directory.external_id(conn, "agent", other) == "a2"
        assert directory.external_id(conn, "team", 12345) is None


@pytest.mark.parametrize("table", ["conversation", "agent; DROP TABLE agent", ""])
def test_only_agents_and_teams_can_be_looked_up(db, seeded, table):
    with db.read() as conn:
        with pytest.raises(ValueError, match="no agents or teams"):
            directory.named_on(conn, table, seeded["account_id"], "x")
        with pytest.raises(ValueError, match="no external ids"):
            directory.external_id(conn, table, 1)


def test_an_empty_cache_knows_nobody(db):
    assert directory.agents(db) == [] and directory.teams(db) == [] and directory.frequent_labels(db) == []
    assert directory.my_agent_ids(db) == set()

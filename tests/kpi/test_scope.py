"""Dashboard filters turned into SQL: each filter selects its rows, filters combine, values stay parameters."""

from __future__ import annotations

import pytest

from deskapp.kpi.rollup import rebuild
from deskapp.kpi.scope import Filters, conversation_where
from tests.kpi.builder import CacheBuilder, local

T0 = local("2026-05-04 09:00", "UTC")


@pytest.fixture
def cache(db):
    """Four conversations that differ in channel, team, assignee, intent and labels."""
    with db.write() as conn:
        b = CacheBuilder(conn)
        ada, bo = b.agent("Ada"), b.agent("Bo")
        shoes = b.team("Shoes")
        ids = {
            "mail": b.conversation(created=T0, channel="email", assignee=ada, team=shoes, intent="refund",
                                   labels='["vip", "late"]'),
            "chat": b.conversation(created=T0, channel="whatsapp", assignee=bo, intent="refund"),
            "sms": b.conversation(created=T0, channel="sms", assignee=ada, intent="order_status", labels='["late"]'),
            "idle": b.conversation(created=T0, channel="email"),
        }
        rebuild(conn)
    return db, ids, {"ada": ada, "bo": bo, "shoes": shoes}


def _selected(db, filters: Filters, **options) -> set[int]:
    table = "conversation" if options.get("id_column") == "id" else "kpi_conversation"
    id_column = options.get("id_column", "conversation_id")
    sql, params = conversation_where(filters, "k", **options)
    with db.read() as conn:
        return {r[0] for r in conn.exec_driver_sql(f"SELECT k.{id_column} FROM {table} k WHERE 1 = 1{sql}",
                                                   tuple(params))}


def test_no_filter_selects_everything_and_adds_no_sql(cache):
    db, ids, _ = cache
    assert conversation_where(Filters()) == ("", [])
    assert _selected(db, Filters()) == set(ids.values())
    assert not Filters().any_conversation_filter and Filters().describe() == {}


def test_each_filter_selects_its_conversations(cache):
    db, ids, who = cache
    assert _selected(db, Filters(channels=("email",))) == {ids["mail"], ids["idle"]}
    assert _selected(db, Filters(team_ids=(who["shoes"],))) == {ids["mail"]}
    assert _selected(db, Filters(agent_ids=(who["ada"],))) == {ids["mail"], ids["sms"]}
    assert _selected(db, Filters(intents=("refund",))) == {ids["mail"], ids["chat"]}
    assert _selected(db, Filters(labels=("late",))) == {ids["mail"], ids["sms"]}
    assert _selected(db, Filters(account_ids=(1,))) == set(ids.values())
    assert _selected(db, Filters(account_ids=(2,))) == set()


def test_filters_combine_with_and_and_values_of_one_filter_with_or(cache):
    db, ids, who = cache
    assert _selected(db, Filters(channels=("email", "sms"), agent_ids=(who["ada"],), labels=("late",))) == {
        ids["mail"], ids["sms"]}
    assert _selected(db, Filters(intents=("refund",), labels=("vip", "nothing"))) == {ids["mail"]}
    assert _selected(db, Filters(intents=("refund",), channels=("sms",))) == set()


def test_the_agent_and_channel_filters_can_be_left_to_the_caller(cache):
    db, ids, who = cache
    both = Filters(channels=("sms",), agent_ids=(who["bo"],))
    assert _selected(db, both) == set()
    assert _selected(db, both, include_agent=False) == {ids["sms"]}
    assert _selected(db, both, include_channel=False) == {ids["chat"]}


def test_the_same_filters_apply_to_the_conversation_table(cache):
    db, ids, who = cache
    filters = Filters(agent_ids=(who["ada"],), labels=("vip",))
    assert _selected(db, filters, id_column="id") == _selected(db, filters) == {ids["mail"]}


def test_hostile_values_are_bound_never_spliced_into_the_sql(cache):
    db, _ids, _ = cache
    hostile = "x') OR 1=1 --"
    sql, params = conversation_where(Filters(labels=(hostile,), channels=(hostile,)))
    assert hostile not in sql and params.count(hostile) == 2
    assert _selected(db, Filters(labels=(hostile,))) == set()
    assert _selected(db, Filters(channels=(hostile,))) == set()


def test_describe_lists_only_the_filters_in_use():
    filters = Filters(channels=("email",), team_ids=(3, 4))
    assert filters.any_conversation_filter
    assert filters.describe() == {"channels": ["email"], "team_ids": [3, 4]}

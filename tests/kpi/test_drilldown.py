"""The conversations behind each dashboard key: one small cache, every kind of key, filters, and keys that
mean nothing (which open no conversation rather than fail)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from deskapp.kpi.drilldown import conversation_ids
from deskapp.kpi.period import Period
from deskapp.kpi.rollup import rebuild
from deskapp.kpi.scope import Filters
from tests.kpi.builder import CacheBuilder, local

PERIOD = Period(date(2026, 5, 1), date(2026, 6, 1), ZoneInfo("UTC"))
NOW = local("2026-05-10 12:00", "UTC")


def at(text: str) -> int:
    return local(text, "UTC")


@pytest.fixture
def cache(db):
    """a: answered and resolved, refund, vip; b: waiting on WhatsApp; c: from April, resolved in May."""
    with db.write() as conn:
        b = CacheBuilder(conn)
        ada, bo = b.agent("Ada"), b.agent("Bo")
        a = b.conversation(created=at("2026-05-04 09:00"), assignee=ada, status="resolved",
                           resolved=at("2026-05-04 11:00"), intent="refund", labels='["vip"]')
        b.message(a, "in", at("2026-05-04 09:00"))
        b.message(a, "out", at("2026-05-04 09:30"), author="Ada")
        waiting = b.conversation(created=at("2026-05-05 10:00"), channel="whatsapp", assignee=bo)
        b.message(waiting, "in", at("2026-05-05 10:00"))
        c = b.conversation(created=at("2026-04-20 08:00"), assignee=ada, status="resolved",
                           resolved=at("2026-05-06 08:00"))
        b.message(c, "in", at("2026-04-20 08:00"))
        b.survey("csat", 5, at("2026-05-05 12:00"), conversation=a)
        b.survey("nps", 9, at("2026-05-06 12:00"))  # not tied to a conversation
        rebuild(conn)
    return db, {"a": a, "b": waiting, "c": c, "ada": ada, "bo": bo}


def ids(db, key: str, filters: Filters | None = None) -> list[int]:
    with db.read() as conn:
        return conversation_ids(conn, PERIOD, filters, key, now=NOW)


def test_created_answered_and_resolved_keys(cache):
    db, x = cache
    assert ids(db, "volume") == ids(db, "frt") == sorted([x["a"], x["b"]])
    assert ids(db, "unanswered") == [x["b"]]
    assert ids(db, "resolution") == sorted([x["a"], x["c"]])
    assert ids(db, "backlog") == [x["b"]]


def test_trend_buckets_channels_intents_and_labels(cache):
    db, x = cache
    assert ids(db, "volume:day:2026-05-04") == [x["a"]]
    assert ids(db, "volume:day:2026-05-05:whatsapp") == [x["b"]]
    assert ids(db, "volume:day:2026-05-05:email") == []
    assert ids(db, "volume:channel:whatsapp") == [x["b"]]
    assert ids(db, "frt:day:2026-05-04") == [x["a"]] and ids(db, "frt:day:2026-05-05") == []
    assert ids(db, "resolution:day:2026-05-06") == [x["c"]]
    assert ids(db, "intent:refund") == [x["a"]] and ids(db, "intent:unknown") == [x["b"]]
    assert ids(db, "label:vip") == [x["a"]]


def test_agent_keys(cache):
    db, x = cache
    ada = x["ada"]
    assert ids(db, f"agent:{ada}") == [x["a"]]
    assert ids(db, f"agent:{ada}:resolutions") == sorted([x["a"], x["c"]])
    assert ids(db, f"agent:{ada}:all") == sorted([x["a"], x["c"]])
    assert ids(db, f"agent:{x['bo']}") == [x["b"]]


def test_surveys_open_the_conversations_they_answer(cache):
    db, x = cache
    assert ids(db, "csat") == [x["a"]]
    assert ids(db, "csat:day:2026-05-05") == [x["a"]] and ids(db, "csat:day:2026-05-04") == []
    assert ids(db, "nps") == [], "an answer without a conversation opens nothing"
    assert ids(db, "csat", Filters(channels=("whatsapp",))) == []


def test_filters_narrow_every_key(cache):
    db, x = cache
    email = Filters(channels=("email",))
    assert ids(db, "volume", email) == [x["a"]]
    assert ids(db, "backlog", email) == []
    assert ids(db, "resolution", Filters(agent_ids=(x["bo"],))) == []


@pytest.mark.parametrize("key", [
    "", "nonsense", "volume:", "volume:week:2026-05-04", "volume:day:not-a-date", "csat:day:2026-13-01",
    "frt:day:", "intent", "label:", "agent:", "agent:ada", "agent:1:weird", "label:vip' OR 1=1 --",
])
def test_keys_that_mean_nothing_open_no_conversation(cache, key):
    assert ids(cache[0], key) == []

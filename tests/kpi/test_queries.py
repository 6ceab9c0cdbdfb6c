"""The dashboard's SQL on a small cache: the created cohort, values at percentile ranks, resolutions, labels,
survey counts with out-of-range answers, replies per author, orders followed by a contact, agents, settings."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from deskapp.kpi import queries
from deskapp.kpi.period import Period
from deskapp.kpi.rollup import rebuild
from deskapp.kpi.scope import Filters
from tests.kpi.builder import CacheBuilder, local

PERIOD = Period(date(2026, 5, 1), date(2026, 6, 1), ZoneInfo("UTC"))
NOW = local("2026-05-10 12:00", "UTC")
TARGETS = {"email": 3600, "whatsapp": 120}


def at(text: str) -> int:
    return local(text, "UTC")


@pytest.fixture
def cache(db):
    """a: Ada answers in 30 min and resolves in 2 h; b: a reply whose author is no agent (counted for the
    assignee Bo) after 10 min; c: unanswered. Ana ordered on May 3 and wrote on May 4."""
    with db.write() as conn:
        b = CacheBuilder(conn)
        ada, bo = b.agent("Ada"), b.agent("Bo")
        ana = b.customer("Ana")
        a = b.conversation(created=at("2026-05-04 09:00"), assignee=ada, status="resolved", customer=ana,
                           resolved=at("2026-05-04 11:00"), labels='["vip"]')
        b.message(a, "in", at("2026-05-04 09:00"))
        b.message(a, "out", at("2026-05-04 09:30"), author="Ada")
        w = b.conversation(created=at("2026-05-05 10:00"), channel="whatsapp", assignee=bo)
        b.message(w, "in", at("2026-05-05 10:00"))
        b.message(w, "out", at("2026-05-05 10:10"), author="someone-else")
        c = b.conversation(created=at("2026-05-06 08:00"), assignee=bo, customer=ana)
        b.message(c, "in", at("2026-05-06 08:00"))
        for kind, score in (("csat", 5), ("csat", 2), ("csat", 9), ("nps", 10), ("nps", 3), ("nps", 8), ("ces", 4)):
            b.survey(kind, score, at("2026-05-07 12:00"), conversation=a)
        b.survey("csat", 1, at("2026-04-07 12:00"))  # before the period
        b.order(at("2026-05-03 10:00"), ana)
        b.order(at("2026-05-08 10:00"), None)
        b.order(at("2026-04-01 10:00"), ana)
        conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('kpi.timezone', 'Europe/Paris')")
        rebuild(conn)
    return db, {"ada": ada, "bo": bo, "unanswered": c}


def test_the_created_cohort_and_its_first_responses(cache):
    db, _who = cache
    with db.read() as conn:
        conversations, answered, unanswered, _measured, _breached = queries.created_summary(
            conn, PERIOD, Filters(), TARGETS, NOW)
        assert (conversations, answered, unanswered) == (3, 2, 1)
        assert queries.frt_at_ranks(conn, PERIOD, Filters(), (0, 1)) == {0: 600, 1: 1800}
        assert queries.frt_at_ranks(conn, PERIOD, Filters(), ()) == {}
        assert queries.frt_at_ranks(conn, PERIOD, Filters(channels=("email",)), (0,)) == {0: 1800}
        assert len(queries.created_rows(conn, PERIOD, Filters(), detail=False)) == 3


def test_resolutions_and_labels(cache):
    db, _who = cache
    with db.read() as conn:
        assert queries.resolution_summary(conn, PERIOD, Filters())[0] == 1
        assert queries.resolution_at_ranks(conn, PERIOD, Filters(), (0,)) == {0: 7200}
        assert [r[2] for r in queries.resolution_rows(conn, PERIOD, Filters())] == [7200]
        assert queries.volume_by_label(conn, PERIOD, Filters()) == [("vip", 1)]
        assert queries.volume_by_label(conn, PERIOD, Filters(channels=("whatsapp",))) == []


def test_survey_counts_leave_out_of_range_answers_out_of_the_scores(cache):
    db, _who = cache
    with db.read() as conn:
        counts = queries.survey_counts(conn, PERIOD, Filters())
        assert counts["csat"] == (3, 2, 1, 0, 7.0)  # the 9 is no CSAT answer; April's 1 is not in the period
        assert counts["nps"] == (3, 3, 1, 1, 21.0)
        assert counts["ces"][:2] == (1, 1) and counts["ces"][4] == 4.0
        assert queries.survey_counts(conn, PERIOD, Filters(channels=("whatsapp",))) == {}
        assert len(queries.survey_rows(conn, PERIOD, Filters())) == 7


def test_replies_count_for_their_author_or_else_the_assignee(cache):
    db, who = cache
    ada, bo = who["ada"], who["bo"]
    with db.read() as conn:
        assert queries.replies_by_agent(conn, PERIOD, Filters()) == {ada: 1, bo: 1}
        assert queries.replies_by_agent(conn, PERIOD, Filters(channels=("whatsapp",))) == {bo: 1}
        assert queries.replies_by_agent(conn, PERIOD, Filters(agent_ids=(ada,))) == {ada: 1}
        june = Period(date(2026, 6, 1), date(2026, 7, 1), ZoneInfo("UTC"))
        assert queries.replies_by_agent(conn, june, Filters()) == {}


def test_orders_followed_by_a_contact(cache):
    db, _who = cache
    with db.read() as conn:
        assert queries.contact_counts(conn, PERIOD, Filters()) == (2, 1)
        assert queries.contact_counts(conn, PERIOD, Filters(channels=("whatsapp",))) == (2, 0)
        source, params = queries.contact_source(PERIOD, Filters())
        assert queries.rows(conn, f"SELECT count(DISTINCT o.id) {source}", params) == [(1,)]


def test_open_work_agents_and_settings(cache):
    db, who = cache
    with db.read() as conn:
        assert sum(n for _bucket, _state, n in queries.open_counts(conn, Filters(), TARGETS, NOW)) == 2
        (clock,) = queries.running_clocks(conn)  # the answered conversation's clock has stopped
        assert (clock[0], clock[3], clock[5]) == (who["unanswered"], "email", "Bo") and clock[4] is not None
        assert [name for _id, name, _email in queries.agents(conn)] == ["Ada", "Bo"]
        assert queries.agents(conn, (who["bo"],)) == [(who["bo"], "Bo", "bo@shop.test")]
        assert queries.setting(conn, "kpi.timezone") == "Europe/Paris"
        assert queries.setting(conn, "no.such.key") is None

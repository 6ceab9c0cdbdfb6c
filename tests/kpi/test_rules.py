"""kpi.rules: the KPI rules as SQL expressions, evaluated by SQLite over rows of ``kpi_conversation k``:
local-day buckets across a DST change, SLA measured and breached, the running clock's state, backlog ages."""

from __future__ import annotations

import sqlite3
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from deskapp.kpi import rules
from deskapp.kpi.period import Period, local_midnight

PARIS = ZoneInfo("Europe/Paris")
TARGETS = {"email": 3600, "web_chat": 300}
NOW = 1_748_865_600


@pytest.fixture
def conn():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE kpi_conversation (id INTEGER PRIMARY KEY, channel TEXT, status TEXT, created_at INT,"
               " first_inbound_at INT, first_reply_at INT, sla_due_at INT, human_replies INT, reopened_7d INT)")
    yield db
    db.close()


def evaluate(conn, expression: tuple[str, list], **row) -> object:
    fields = {"channel": "email", "status": "open", "created_at": NOW, "first_inbound_at": None,
              "first_reply_at": None, "sla_due_at": None, "human_replies": 0, "reopened_7d": 0, **row}
    conn.execute("DELETE FROM kpi_conversation")
    conn.execute(f"INSERT INTO kpi_conversation ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
                 tuple(fields.values()))
    sql, params = expression
    return conn.execute(f"SELECT {sql} FROM kpi_conversation k", params).fetchone()[0]


def test_each_time_falls_in_its_local_day_across_the_dst_change(conn):
    period = Period(date(2025, 3, 29), date(2025, 4, 1), PARIS)  # clocks go forward on 30 March
    case = rules.day_case(period, "k.created_at")
    for index, day in enumerate(period.days):
        start = local_midnight(day, PARIS)
        assert evaluate(conn, case, created_at=start) == index
        assert evaluate(conn, case, created_at=start + 23 * 3600 - 1) == index  # the short day is 23 h long
    assert evaluate(conn, case, created_at=period.start - 1) == 0  # the caller keeps rows inside the period


def test_sla_is_measured_on_answers_and_on_unanswered_conversations_past_their_target(conn):
    measured, breached = rules.sla_measured_breached(TARGETS, NOW)
    def both(**row):
        return evaluate(conn, measured, **row), evaluate(conn, breached, **row)

    assert both(first_inbound_at=NOW - 100, first_reply_at=NOW - 50) == (1, 0)
    assert both(first_inbound_at=NOW - 7200, first_reply_at=NOW - 10) == (1, 1)  # answered after 2 h
    assert both(first_inbound_at=NOW - 7200) == (1, 1)  # still waiting, past target
    assert both(first_inbound_at=NOW - 600) == (0, 0)  # still waiting, in time: not measured yet
    assert both(first_inbound_at=NOW - 7200, status="resolved") == (0, 0)  # resolved without a reply
    assert both(channel="web_chat", first_inbound_at=NOW - 600) == (1, 1)  # chat's target is 5 minutes
    assert both() == (0, 0)  # nothing came in


def test_the_running_clock_is_at_risk_after_half_its_target_and_breaching_after_it(conn):
    case = rules.clock_case(TARGETS, NOW)
    assert evaluate(conn, case, sla_due_at=None) is None
    assert evaluate(conn, case, sla_due_at=NOW + 3000) is None  # 10 minutes of 60 gone
    assert evaluate(conn, case, sla_due_at=NOW + 1800) == "at_risk"
    assert evaluate(conn, case, sla_due_at=NOW - 1) == "breaching"
    assert evaluate(conn, case, channel="web_chat", sla_due_at=NOW + 100) == "at_risk"


def test_backlog_ages_fall_in_their_buckets(conn):
    case = rules.age_case(NOW)
    ages = {0: "under 1 h", 3599: "under 1 h", 3600: "1–4 h", 5 * 3600: "4–24 h", 2 * 86400: "1–3 d",
            5 * 86400: "3–7 d", 400 * 86400: "over 7 d"}
    for age, bucket in ages.items():
        assert evaluate(conn, case, created_at=NOW - age) == bucket


def test_first_contact_resolution_needs_one_human_reply_and_no_reopening(conn):
    fcr = (rules.FCR, [])
    assert evaluate(conn, fcr, human_replies=1) == 1
    assert evaluate(conn, fcr, human_replies=2) == 0
    assert evaluate(conn, fcr, human_replies=1, reopened_7d=1) == 0
    assert evaluate(conn, (rules.OPEN, []), status="snoozed") == 1
    assert evaluate(conn, (rules.OPEN, []), status="resolved") == 0

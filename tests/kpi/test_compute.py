"""Every KPI figure on a hand-built cache, against expectations computed by hand.

The period is 28–30 March 2026 in Europe/Paris: clocks jump from 02:00 to 03:00 on the 29th, so that
day lasts 23 hours. Each conversation below carries the case it covers.
"""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from deskapp.kpi.compute import compute_dashboard
from deskapp.kpi.drilldown import conversation_ids
from deskapp.kpi.period import Period
from deskapp.kpi.rollup import rebuild
from deskapp.kpi.scope import Filters
from tests.kpi.builder import CacheBuilder, local

PARIS = ZoneInfo("Europe/Paris")
PERIOD = Period(date(2026, 3, 28), date(2026, 3, 31), PARIS)
NOW = local("2026-04-01 14:00")  # 12:00 UTC


@pytest.fixture
def cache(db):
    ids = {}
    with db.write() as conn:
        b = CacheBuilder(conn)
        alice = ids["alice"] = b.agent("Alice", is_me=True)
        bob = ids["bob"] = b.agent("Bob", role="administrator")
        k1, k2, k3 = b.customer("K1"), b.customer("K2"), b.customer("K3")
        # C1: email; a bot reply and a private note come first, neither is a response. FRT 30 min, FCR.
        c1 = ids["c1"] = b.conversation(created=local("2026-03-28 10:00"), assignee=alice, customer=k1,
                                        status="resolved", resolved=local("2026-03-28 12:00"),
                                        intent="refund", labels='["vip", "refund"]')
        b.message(c1, "in", local("2026-03-28 10:00"))
        b.message(c1, "out", local("2026-03-28 10:01"), automated=True)
        b.message(c1, "note", local("2026-03-28 10:05"), author="Alice")
        b.message(c1, "activity", local("2026-03-28 10:06"))
        b.message(c1, "out", local("2026-03-28 10:30"), author="Alice")
        b.event(c1, "resolved", local("2026-03-28 12:00"))
        # C2: web chat across the DST jump: 01:30 CET -> 03:30 CEST is one real hour. Two replies: not FCR.
        c2 = ids["c2"] = b.conversation(created=local("2026-03-29 01:30"), channel="web_chat", assignee=bob,
                                        status="resolved", resolved=local("2026-03-29 04:30"), intent="refund",
                                        labels='["vip"]')
        b.message(c2, "in", local("2026-03-29 01:30"))
        b.message(c2, "out", local("2026-03-29 03:30"), author="Bob")
        b.message(c2, "out", local("2026-03-29 03:40"), author="Bob")
        b.event(c2, "resolved", local("2026-03-29 04:30"))
        # C3: WhatsApp at 00:30 local on the 30th (still the 29th in UTC); never answered, open.
        c3 = ids["c3"] = b.conversation(created=local("2026-03-30 00:30"), channel="whatsapp",
                                        intent="order_status")
        b.message(c3, "in", local("2026-03-30 00:30"))
        # C4: SMS, answered in 10 min, resolved, reopened 2 h later, resolved again: not FCR.
        c4 = ids["c4"] = b.conversation(created=local("2026-03-30 09:00"), channel="sms", assignee=alice,
                                        status="resolved", resolved=local("2026-03-30 14:00"))
        b.message(c4, "in", local("2026-03-30 09:00"))
        b.message(c4, "out", local("2026-03-30 09:10"), author="Alice")
        b.event(c4, "resolved", local("2026-03-30 10:00"))
        b.event(c4, "reopened", local("2026-03-30 12:00"), "open")
        b.event(c4, "resolved", local("2026-03-30 14:00"))
        # C5: resolved without any reply (spam): not unanswered, no FRT, no SLA, not FCR.
        c5 = ids["c5"] = b.conversation(created=local("2026-03-30 11:00"), assignee=bob, status="resolved",
                                        resolved=local("2026-03-30 11:30"))
        b.message(c5, "in", local("2026-03-30 11:00"))
        b.event(c5, "resolved", local("2026-03-30 11:30"))
        # C6: created before the period, resolved inside it (23 h): counts for resolution and FCR only.
        c6 = ids["c6"] = b.conversation(created=local("2026-03-27 10:00"), assignee=alice, customer=k2,
                                        status="resolved", resolved=local("2026-03-28 09:00"))
        b.message(c6, "in", local("2026-03-27 10:00"))
        b.message(c6, "out", local("2026-03-27 10:20"), author="Alice")
        b.event(c6, "resolved", local("2026-03-28 09:00"))
        # C7: after the period (K3's contact after their order).
        c7 = ids["c7"] = b.conversation(created=local("2026-03-31 08:00"), customer=k3)
        b.message(c7, "in", local("2026-03-31 08:00"))
        # C8: outbound-initiated (no inbound): no FRT, but Alice's message is a reply sent in the period.
        c8 = ids["c8"] = b.conversation(created=local("2026-03-28 15:00"), assignee=alice)
        b.message(c8, "out", local("2026-03-28 15:00"), author="Alice")
        # C9: web chat with only a bot answer and a note: still unanswered.
        c9 = ids["c9"] = b.conversation(created=local("2026-03-28 16:00"), channel="web_chat", assignee=bob)
        b.message(c9, "in", local("2026-03-28 16:00"))
        b.message(c9, "out", local("2026-03-28 16:00"), automated=True)
        b.message(c9, "note", local("2026-03-28 16:05"), author="Bob")
        # C10: web chat waiting 90 s of its 120 s target: at risk now. A reply that failed to send does not
        # stop the clock.
        c10 = ids["c10"] = b.conversation(created=NOW - 90, channel="web_chat")
        b.message(c10, "in", NOW - 90)
        b.message(c10, "out", NOW - 30, author="Alice", delivery="failed")
        # C11: the same wait, but Alice's reply waits in the outbox: her answer stops the clock (no FRT yet).
        c11 = ids["c11"] = b.conversation(created=NOW - 90, channel="web_chat")
        b.message(c11, "in", NOW - 90)
        b.message(c11, "out", NOW - 30, author="Alice", delivery="queued")
        # Surveys: CSAT 5 (C1), 4 (C2), 2 (C4), 3 (no conversation), 9 (invalid), 1 (before the period).
        b.survey("csat", 5, local("2026-03-28 13:00"), c1)
        b.survey("csat", 4, local("2026-03-29 12:00"), c2)
        b.survey("csat", 2, local("2026-03-30 15:00"), c4)
        b.survey("csat", 3, local("2026-03-30 16:00"))
        b.survey("csat", 9, local("2026-03-30 16:00"))
        b.survey("csat", 1, local("2026-03-27 16:00"), c6)
        for score in (10, 9, 7, 3):
            b.survey("nps", score, local("2026-03-29 18:00"))
        for score in (7, 5, 3):
            b.survey("ces", score, local("2026-03-30 18:00"))
        # Orders: K1's is followed by C1 the same minute; K2's conversation came before; K3's by C7 next
        # day; one without a customer; one before the period.
        b.order(local("2026-03-28 10:00"), k1)
        b.order(local("2026-03-29 12:00"), k2)
        b.order(local("2026-03-30 08:00"), k3)
        b.order(local("2026-03-30 09:00"), None)
        b.order(local("2026-03-20 09:00"), k1)
        rebuild(conn)
    return db, ids


def _dash(db, filters=None, period=PERIOD):
    with db.read() as conn:
        return compute_dashboard(conn, period, filters, now=NOW, with_previous=True)


def _ids(db, key, filters=None):
    with db.read() as conn:
        return conversation_ids(conn, PERIOD, filters, key, now=NOW)


def test_first_response_time(cache):
    db, ids = cache
    d = _dash(db)
    assert d.figures["frt"] == {"median_s": 1800.0, "p90_s": 3600.0, "unanswered": 2, "answered": 3}
    assert _ids(db, "unanswered") == sorted([ids["c3"], ids["c9"]])


def test_resolution_time_and_fcr(cache):
    db, _ids = cache
    f = _dash(db).figures
    # 1800 (C5), 7200 (C1), 7200 (C2), 18000 (C4), 82800 (C6)
    assert f["resolution"] == {"median_s": 7200.0, "p90_s": 82800.0, "count": 5}
    assert f["fcr"] == pytest.approx(2 / 5)  # C1 and C6
    assert f["fcr_counts"] == {"fcr": 2, "resolved": 5}


def test_surveys(cache):
    f = _dash(cache[0]).figures
    assert f["csat"] == pytest.approx(2 / 4)
    assert f["nps"] == pytest.approx((2 - 1) / 4)
    assert f["ces"] == pytest.approx(5.0)


def test_contact_rate(cache):
    db, ids = cache
    d = _dash(db)
    assert d.figures["contact_rate"] == pytest.approx(2 / 4)
    assert d.figures["contact_counts"] == {"orders": 4, "contacted": 2}
    assert _ids(db, "contact_rate") == sorted([ids["c1"], ids["c7"]])


def test_sla(cache):
    db, ids = cache
    d = _dash(db)
    sla = d.figures["sla"]
    # measured: C1 ok, C2 late (1 h > 2 min), C3 unanswered past 2 min, C4 ok, C9 unanswered past 2 min
    assert (sla["breached"], sla["measured"]) == (3, 5)
    assert sla["breach_rate"] == pytest.approx(0.6)
    assert sla["at_risk"] == 1 and _ids(db, "sla_at_risk") == [ids["c10"]]
    assert sla["breaching_now"] == 3  # C3, C9, and C7 (email, unanswered for 30 h, after the period)
    assert _ids(db, "sla_breaching") == sorted([ids["c3"], ids["c7"], ids["c9"]])


def test_volume_uses_local_days_across_dst(cache):
    db, ids = cache
    d = _dash(db)
    vol = d.figures["volume"]
    assert vol["total"] == 7
    assert [(x["day"], x["total"]) for x in vol["by_day"]] == [
        ("2026-03-28", 3), ("2026-03-29", 1), ("2026-03-30", 3)]
    assert vol["by_day"][0]["channels"] == {"email": 2, "web_chat": 1}
    assert vol["by_day"][2]["channels"] == {"email": 1, "sms": 1, "whatsapp": 1}
    assert vol["by_channel"] == {"email": 3, "sms": 1, "web_chat": 2, "whatsapp": 1}
    assert vol["by_intent"] == {"unknown": 4, "refund": 2, "order_status": 1}
    assert vol["by_label"] == {"vip": 2, "refund": 1}
    assert _ids(db, "volume:day:2026-03-30:whatsapp") == [ids["c3"]]


def test_backlog(cache):
    f = _dash(cache[0]).figures
    # open now: C10 and C11 (90 s), C7 (30 h), C3 (2.6 d), C8 and C9 (3.9 d)
    assert f["backlog"]["open"] == 6
    assert {b["bucket"]: b["count"] for b in f["backlog"]["by_age"]} == {
        "under 1 h": 2, "1–4 h": 0, "4–24 h": 0, "1–3 d": 2, "3–7 d": 2, "over 7 d": 0}


def test_agent_table(cache):
    db, ids = cache
    agents = {a["name"]: a for a in _dash(db).figures["agents"]}
    assert agents["Alice"] == {"agent_id": ids["alice"], "name": "Alice", "email": "alice@shop.test",
                               "assigned": 3, "replies": 3, "frt_median_s": 1200.0, "resolutions": 3,
                               "fcr": pytest.approx(2 / 3), "csat": 0.5,
                               # K2's order on the 29th, 2 days after Alice answered C6 (no total)
                               "revenue_influenced": {"orders": 1, "amounts": {"": 0.0}},
                               "refunds": {"count": 0, "amounts": {}}}
    assert agents["Bob"] == {"agent_id": ids["bob"], "name": "Bob", "email": "bob@shop.test",
                             "assigned": 3, "replies": 2, "frt_median_s": 3600.0, "resolutions": 2,
                             "fcr": 0.0, "csat": 1.0, "revenue_influenced": {"orders": 0, "amounts": {}},
                             "refunds": {"count": 0, "amounts": {}}}


def test_trends(cache):
    t = _dash(cache[0]).figures["trends"]
    assert t["days"] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    assert t["frt_median_s"] == [1800.0, 3600.0, 600.0]
    assert t["resolution_median_s"] == [(7200 + 82800) / 2, 7200.0, (1800 + 18000) / 2]
    assert t["csat"] == [1.0, 1.0, 0.0]
    assert t["nps"] == [None, 0.25, None]


def test_agent_filter_is_personal(cache):
    db, ids = cache
    f = _dash(db, Filters(agent_ids=(ids["alice"],))).figures
    assert f["frt"]["median_s"] == 1200.0 and f["frt"]["unanswered"] == 0
    assert f["resolution"]["count"] == 3
    assert f["fcr"] == pytest.approx(2 / 3)
    assert f["csat"] == pytest.approx(0.5)  # only answers on Alice's conversations
    assert f["nps"] is None  # NPS answers are not tied to a conversation
    assert f["replies"] == 3
    assert [a["name"] for a in f["agents"]] == ["Alice"]


def test_channel_label_and_intent_filters(cache):
    db, ids = cache
    assert _dash(db, Filters(channels=("web_chat",))).figures["volume"]["total"] == 2
    assert _ids(db, "volume", Filters(labels=("vip",))) == sorted([ids["c1"], ids["c2"]])
    assert _dash(db, Filters(intents=("refund",))).figures["frt"]["median_s"] == (1800 + 3600) / 2


def test_previous_period(cache):
    prev = _dash(cache[0]).figures["previous"]
    # 25–27 March: only C6 was created (FRT 20 min)
    assert prev["volume"] == {"total": 1}
    assert prev["frt"]["median_s"] == 1200.0
    assert prev["csat"] == 0.0  # the single answer scored 1


def test_empty_period(cache):
    f = _dash(cache[0], period=Period(date(2025, 1, 1), date(2025, 1, 8), PARIS)).figures
    assert f["frt"] == {"median_s": None, "p90_s": None, "unanswered": 0, "answered": 0}
    assert f["resolution"] == {"median_s": None, "p90_s": None, "count": 0}
    for key in ("fcr", "csat", "nps", "ces", "contact_rate"):
        assert f[key] is None
    assert f["sla"]["breach_rate"] is None
    assert f["volume"]["total"] == 0 and len(f["volume"]["by_day"]) == 7
    assert all(a["assigned"] == 0 and a["frt_median_s"] is None for a in f["agents"])


def test_empty_cache(db):
    with db.read() as conn:
        f = compute_dashboard(conn, PERIOD, now=NOW).figures
    assert f["frt"]["median_s"] is None and f["agents"] == [] and f["backlog"]["open"] == 0


def test_every_figure_opens_the_conversations_behind_it(cache):
    db, ids = cache
    c = {k: v for k, v in ids.items() if k.startswith("c")}

    def names(key, filters=None):
        found = _ids(db, key, filters)
        return sorted(name for name, cid in c.items() if cid in found)

    assert names("frt") == ["c1", "c2", "c3", "c4", "c5", "c9"]  # created with an inbound message
    assert names("resolution") == ["c1", "c2", "c4", "c5", "c6"]
    assert names("fcr") == ["c1", "c6"]
    assert names("csat") == ["c1", "c2", "c4"]
    assert names("sla_breached") == ["c2", "c3", "c9"]
    assert names("sla_breaching") == ["c3", "c7", "c9"]
    assert names("volume") == ["c1", "c2", "c3", "c4", "c5", "c8", "c9"]
    assert names("volume:day:2026-03-29") == ["c2"]
    assert names("volume:channel:web_chat") == ["c2", "c9"]
    assert names("intent:refund") == ["c1", "c2"] and names("intent:unknown") == ["c4", "c5", "c8", "c9"]
    assert names("label:vip") == ["c1", "c2"]
    assert names("backlog") == ["c10", "c11", "c3", "c7", "c8", "c9"]
    assert names("backlog:3–7 d") == ["c8", "c9"]
    assert names("frt:day:2026-03-30") == ["c4"]
    assert names("resolution:day:2026-03-28") == ["c1", "c6"]
    assert names("csat:day:2026-03-29") == ["c2"]
    assert names(f"agent:{ids['alice']}") == ["c1", "c4", "c8"]
    assert names(f"agent:{ids['alice']}:resolutions") == ["c1", "c4", "c6"]
    assert names("volume", Filters(agent_ids=(ids["bob"],))) == ["c2", "c5", "c9"]
    for junk in ("nonsense", "volume:day:not-a-date", "agent:x", "label:", "volume:week:1"):
        assert _ids(db, junk) == []

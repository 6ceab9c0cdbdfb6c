"""Rollups kept by the ingest hook give the same figures as a naive full scan, on random caches."""

import random
from datetime import date

import pytest

from deskapp.kpi.compute import compute_dashboard
from deskapp.kpi.period import Period, resolve_timezone
from deskapp.kpi.rollup import rebuild
from deskapp.kpi.rollup_hook import update_rollups
from deskapp.store.ingest import AppliedChanges
from tests.kpi.builder import CacheBuilder, local
from tests.kpi.naive import naive_figures

CHANNELS = ["email", "web_chat", "whatsapp", "instagram", "sms", "telegram"]
TZ = "America/New_York"  # DST starts 8 March 2026, inside the period
START = local("2026-02-20 00:00", TZ)
NOW = local("2026-04-05 12:00", TZ)


def _random_cache(db, seed: int) -> None:
    """Several batches, each followed by the hook, as the sync engine would: messages arrive late and out of
    order, statuses flip, some conversations get reopened."""
    rng = random.Random(seed)
    with db.write() as conn:
        b = CacheBuilder(conn)
        agents = [b.agent(n) for n in ("Ann", "Ben", "Cat")]
        customers = [b.customer(f"K{i}") for i in range(40)]
    convs: list[tuple[int, int, bool]] = []
    for _batch in range(6):
        with db.write() as conn:
            b = CacheBuilder(conn)
            b._seq = iter(range(10**6 * (_batch + 1), 10**7 * (_batch + 1)))
            touched, new_messages = set(), []
            for _ in range(rng.randint(5, 25)):
                created = START + rng.randint(0, 40 * 86400)
                resolved = rng.random() < 0.6
                resolved_at = created + rng.randint(60, 5 * 86400) if resolved else None
                cid = b.conversation(
                    created=created, channel=rng.choice(CHANNELS), status="resolved" if resolved else "open",
                    resolved=resolved_at, assignee=rng.choice([*agents, None]), customer=rng.choice(customers))
                convs.append((cid, created, resolved))
                touched.add(cid)
                if resolved:
                    if rng.random() < 0.3:
                        b.event(cid, "resolved", created + 30)
                        b.event(cid, "reopened", created + rng.randint(31, 10 * 86400), "open")
                    b.event(cid, "resolved", resolved_at)
            for _ in range(rng.randint(10, 80)):
                cid, created, _res = rng.choice(convs)
                direction = rng.choices(["in", "out", "note", "activity"], [4, 4, 1, 1])[0]
                author = rng.choice(["Ann", "Ben", "Cat", None, "stranger"]) if direction != "in" else None
                new_messages.append(b.message(
                    cid, direction, created + rng.randint(-60, 3 * 86400), author=author,
                    automated=direction == "out" and rng.random() < 0.2,
                    delivery=rng.choice(["sent", "sent", "sent", "queued", "failed"])))
            for _ in range(rng.randint(0, 8)):
                cid = rng.choice(convs)[0] if rng.random() < 0.8 else None
                kind = rng.choice(["csat", "nps", "ces"])
                b.survey(kind, rng.randint(0, 10), START + rng.randint(0, 40 * 86400), cid)
            for _ in range(rng.randint(0, 8)):
                b.order(START + rng.randint(0, 40 * 86400), rng.choice([*customers, None]))
            # the hook gets the touched conversations and the new message ids, as C's AppliedChanges has them
            update_rollups(conn, AppliedChanges(account_id=1, conversation_ids=sorted(touched),
                                                new_message_ids=new_messages))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_incremental_rollups_match_a_naive_full_scan(db, seed):
    _random_cache(db, seed)
    tz = resolve_timezone(TZ)
    period = Period(date(2026, 2, 25), date(2026, 3, 25), tz)
    with db.read() as conn:
        fast = compute_dashboard(conn, period, now=NOW).figures
        slow = naive_figures(conn, period.start, period.end, TZ, NOW)
    assert fast["frt"]["median_s"] == slow["frt"]["median_s"]
    assert fast["frt"]["p90_s"] == slow["frt"]["p90_s"]
    assert fast["frt"]["unanswered"] == slow["frt"]["unanswered"]
    assert fast["resolution"]["median_s"] == slow["resolution"]["median_s"]
    assert fast["resolution"]["p90_s"] == slow["resolution"]["p90_s"]
    assert fast["fcr"] == pytest.approx(slow["fcr"])
    assert fast["csat"] == pytest.approx(slow["csat"])
    assert fast["contact_rate"] == pytest.approx(slow["contact_rate"])
    assert fast["sla"]["breach_rate"] == pytest.approx(slow["sla_breach_rate"])
    assert {d["day"]: d["total"] for d in fast["volume"]["by_day"] if d["total"]} == slow["volume_by_day"]
    assert {a["agent_id"]: a["replies"] for a in fast["agents"] if a["replies"]} == slow["replies_by_agent"]


def test_incremental_rollups_equal_a_rebuild(db):
    _random_cache(db, 7)

    def snapshot():
        with db.read() as conn:
            return (conn.exec_driver_sql("SELECT * FROM kpi_conversation ORDER BY 1").all(),
                    conn.exec_driver_sql("SELECT * FROM kpi_reply ORDER BY 1, 2, 3").all())

    incremental = snapshot()
    with db.write() as conn:
        rebuild(conn)
    assert snapshot() == incremental
    assert len(incremental[0]) > 20


HEADLINE_KEYS = ("period", "filters", "frt", "resolution", "fcr", "fcr_counts", "csat", "nps", "ces",
                 "survey_responses", "contact_rate", "contact_counts", "sla", "volume", "revenue_influenced",
                 "refunds")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_headline_counted_in_sqlite_equals_the_dashboard_tiles(db, seed):
    """The tiles' previous period is counted and ranked in SQL; it must give exactly the figures the full
    dashboard computes in Python from the rows, for every filter and for odd and even counts."""
    from deskapp.kpi.compute import headline
    from deskapp.kpi.scope import Filters

    _random_cache(db, seed)
    tz = resolve_timezone(TZ)
    with db.read() as conn:
        agent = conn.exec_driver_sql("SELECT min(id) FROM agent").scalar()
        for period in (Period(date(2026, 2, 25), date(2026, 3, 25), tz), Period(date(2026, 3, 1), date(2026, 3, 4), tz),
                       Period(date(2025, 1, 1), date(2025, 1, 8), tz)):
            for filters in (Filters(), Filters(channels=("email", "sms")), Filters(agent_ids=(agent,))):
                full = compute_dashboard(conn, period, filters, now=NOW).figures
                tiles = {k: v for k, v in full.items() if k in HEADLINE_KEYS}
                tiles["volume"] = {"total": full["volume"]["total"]}
                tiles["sla"] = {k: full["sla"][k] for k in ("breach_rate", "breached", "measured", "targets_s")}
                assert headline(conn, period, filters, now=NOW) == tiles, (period, filters)

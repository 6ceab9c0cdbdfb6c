"""Revenue influenced on a hand-built cache, against totals worked out by hand: each order placed within
3 days after a public human reply to its customer counts once, for the latest reply's author."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from deskapp.kpi.commerce import refunds_issued, revenue_influenced
from deskapp.kpi.compute import compute_dashboard, headline
from deskapp.kpi.drilldown import conversation_ids
from deskapp.kpi.period import Period
from deskapp.kpi.rollup import rebuild
from deskapp.kpi.scope import Filters
from tests.kpi.builder import CacheBuilder, local

PERIOD = Period(date(2026, 6, 1), date(2026, 6, 4), ZoneInfo("UTC"))  # 1–3 June, UTC days
NOW = local("2026-06-05 12:00", "UTC")


def at(ts: str) -> int:
    return local(ts, "UTC")


@pytest.fixture
def shop(db):
    with db.write() as conn:
        b = CacheBuilder(conn)
        alice, bob = b.agent("Alice"), b.agent("Bob")
        k1, k2, k3, k4 = (b.customer(n) for n in ("K1", "K2", "K3", "K4"))

        def order(placed: str, customer: int, total: float, currency: str, cancelled: bool = False) -> int:
            oid = b.order(at(placed), customer)
            conn.exec_driver_sql('UPDATE "order" SET total = ?, currency = ?, cancelled_at = ? WHERE id = ?',
                                 (total, currency, at(placed) if cancelled else None, oid))
            return oid

        # K1: Alice answers at 09:30; an order before her reply does not count, two after it do (2 h, 47.5 h),
        # one placed after the period neither
        c1 = b.conversation(created=at("2026-06-01 09:00"), assignee=alice, customer=k1)
        b.message(c1, "in", at("2026-06-01 09:00"))
        b.message(c1, "out", at("2026-06-01 09:30"), author="Alice")
        order("2026-06-01 09:10", k1, 10.0, "EUR")
        order("2026-06-01 11:30", k1, 100.0, "EUR")
        order("2026-06-03 09:00", k1, 50.0, "EUR")
        order("2026-06-04 08:00", k1, 999.0, "EUR")
        # K2 on web chat: Bob answers, then Alice on his conversation: the order is hers; a cancelled one no one's
        c2 = b.conversation(created=at("2026-06-01 10:00"), channel="web_chat", assignee=bob, customer=k2)
        b.message(c2, "in", at("2026-06-01 10:00"))
        b.message(c2, "out", at("2026-06-01 10:10"), author="Bob")
        b.message(c2, "out", at("2026-06-02 08:00"), author="Alice")
        order("2026-06-02 09:00", k2, 80.0, "USD")
        order("2026-06-02 10:00", k2, 200.0, "USD", cancelled=True)
        # K3: only a bot answered
        c3 = b.conversation(created=at("2026-06-01 11:00"), assignee=bob, customer=k3)
        b.message(c3, "in", at("2026-06-01 11:00"))
        b.message(c3, "out", at("2026-06-01 11:01"), automated=True)
        order("2026-06-01 12:00", k3, 30.0, "EUR")
        # K4: Bob answered on 29 May at 08:00: 2 d 23 h later is inside the window, 3 d 1 h later outside
        c4 = b.conversation(created=at("2026-05-29 07:00"), assignee=bob, customer=k4)
        b.message(c4, "in", at("2026-05-29 07:00"))
        b.message(c4, "out", at("2026-05-29 08:00"), author="Bob")
        order("2026-06-01 07:00", k4, 40.0, "EUR")
        order("2026-06-01 09:00", k4, 60.0, "EUR")
        rebuild(conn)
    return db, alice, bob, (c1, c2, c4)  # the conversations whose replies the counted orders followed


def test_revenue_influenced_counts_each_order_once_for_the_latest_replys_author(shop):
    db, alice, bob, _influencing = shop
    with db.read() as conn:
        figures = revenue_influenced(conn, PERIOD, Filters())
    assert figures["orders"] == 4
    assert figures["amounts"] == {"EUR": 190.0, "USD": 80.0}  # 100 + 50 + 40; 80
    assert figures["by_agent"] == {alice: {"orders": 3, "amounts": {"EUR": 150.0, "USD": 80.0}},
                                   bob: {"orders": 1, "amounts": {"EUR": 40.0}}}


def test_the_tile_opens_the_conversations_whose_replies_the_orders_followed(shop):
    db, _alice, bob, influencing = shop
    with db.read() as conn:
        assert conversation_ids(conn, PERIOD, Filters(), "revenue_influenced", now=NOW) == sorted(influencing)
        assert conversation_ids(conn, PERIOD, Filters(agent_ids=(bob,)), "revenue_influenced",
                                now=NOW) == [influencing[2]]


def test_filters_narrow_the_conversations_and_the_agent(shop):
    db, _alice, bob, _influencing = shop
    with db.read() as conn:
        mine = revenue_influenced(conn, PERIOD, Filters(agent_ids=(bob,)))
        chat = revenue_influenced(conn, PERIOD, Filters(channels=("web_chat",)))
    assert (mine["orders"], mine["amounts"]) == (1, {"EUR": 40.0})
    assert (chat["orders"], chat["amounts"]) == (1, {"USD": 80.0})


def test_the_dashboard_and_the_headline_carry_it_and_the_agent_table_splits_it(shop):
    db, _alice, _bob, _influencing = shop
    with db.read() as conn:
        dashboard = compute_dashboard(conn, PERIOD, now=NOW).figures
        tiles = headline(conn, PERIOD, now=NOW)
    assert dashboard["revenue_influenced"] == tiles["revenue_influenced"] == {
        "orders": 4, "amounts": {"EUR": 190.0, "USD": 80.0}}
    rows = {a["name"]: a["revenue_influenced"] for a in dashboard["agents"]}
    assert rows == {"Alice": {"orders": 3, "amounts": {"EUR": 150.0, "USD": 80.0}},
                    "Bob": {"orders": 1, "amounts": {"EUR": 40.0}}}


def test_deskapp_kpi_prints_it(shop, data_dir, capsys):
    from deskapp import cli

    db, _alice, _bob, _influencing = shop
    db.close()
    args = ["--data-dir", str(data_dir), "kpi", "--from", "2026-06-01", "--to", "2026-06-04", "--tz", "UTC"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "revenue influenced 190.00 EUR + 80.00 USD in 4 orders (placed within 3 days after a reply)" in text
    assert "influenced 40.00 EUR" in text  # Bob's row
    assert cli.main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["revenue_influenced"] == {"orders": 4,
                                                                         "amounts": {"EUR": 190.0, "USD": 80.0}}


# --- refunds issued ------------------------------------------------------------------------------


@pytest.fixture
def refunds(db):
    """The shop's refunds in the cache: one queued here by Alice (signed in), one a colleague's deskapp made,
    two made in the shop's admin, one outside the period."""
    with db.write() as conn:
        b = CacheBuilder(conn)
        alice, bob, carol = b.agent("Alice", is_me=True), b.agent("Bob"), b.agent("Carol")
        k1, k2, k3 = (b.customer(n) for n in ("K1", "K2", "K3"))
        b.conversation(created=at("2026-05-20 09:00"), assignee=bob, customer=k1)
        b.conversation(created=at("2026-06-02 09:00"), assignee=carol, customer=k1)
        b.conversation(created=at("2026-06-01 08:00"), assignee=None, customer=k2)
        o1, o2, o3 = b.order(at("2026-05-15 10:00"), k1), b.order(at("2026-05-16 10:00"), k2), \
            b.order(at("2026-05-17 10:00"), k3)
        conn.exec_driver_sql("INSERT INTO order_action (client_id, account_id, order_external_id, kind, summary,"
                             " state, created_at) VALUES ('c-41', 1, 'o1', 'order_refund', 'Refund', 'done', 0),"
                             " ('c-43', 1, 'o1', 'order_cancel', 'Cancel', 'done', 0)")
        conn.exec_driver_sql(
            "INSERT INTO order_refund (order_id, external_id, created_at, amount, currency, note) VALUES"
            " (?, 'r1', ?, 28.0, 'EUR', 'damaged [deskapp:c-41]'),"  # queued here: Alice's
            " (?, 'r2', ?, 12.5, 'EUR', '[deskapp:c-99]'),"  # another profile's: K1's latest then is Carol's
            " (?, 'r3', ?, 10.0, 'USD', ''),"  # the admin, before Carol's conversation: Bob's
            " (?, 'r4', ?, 5.0, 'EUR', ''),"  # K2's latest conversation has no assignee: nobody's
            " (?, 'r5', ?, 7.0, 'EUR', ''),"  # K3 never wrote: nobody's
            " (?, 'r6', ?, 99.0, 'EUR', '[deskapp:c-41x]')",  # after the period: not counted
            (o1, at("2026-06-01 12:00"), o1, at("2026-06-03 10:00"), o1, at("2026-06-01 13:00"),
             o2, at("2026-06-02 10:00"), o3, at("2026-06-03 23:59"), o1, at("2026-06-04 00:00")))
        rebuild(conn)
    return db, alice, bob, carol


def test_refunds_issued_go_to_who_queued_them_else_to_the_latest_conversations_agent(refunds):
    db, alice, bob, carol = refunds
    with db.read() as conn:
        figures = refunds_issued(conn, PERIOD, Filters())
        bobs = refunds_issued(conn, PERIOD, Filters(agent_ids=(bob,)))
    assert figures == {"count": 5, "amounts": {"EUR": 52.5, "USD": 10.0}, "by_agent": {
        alice: {"count": 1, "amounts": {"EUR": 28.0}}, carol: {"count": 1, "amounts": {"EUR": 12.5}},
        bob: {"count": 1, "amounts": {"USD": 10.0}}, None: {"count": 2, "amounts": {"EUR": 12.0}}}}
    assert bobs == {"count": 1, "amounts": {"USD": 10.0}, "by_agent": {bob: {"count": 1, "amounts": {"USD": 10.0}}}}


def test_refunds_issued_in_the_dashboard_the_agent_table_and_deskapp_kpi(refunds, data_dir, capsys):
    from deskapp import cli

    db, *_agents = refunds
    with db.read() as conn:
        dashboard = compute_dashboard(conn, PERIOD, now=NOW).figures
        tiles = headline(conn, PERIOD, now=NOW)
    assert dashboard["refunds"] == tiles["refunds"] == {"count": 5, "amounts": {"EUR": 52.5, "USD": 10.0}}
    assert {a["name"]: a["refunds"] for a in dashboard["agents"]} == {
        "Alice": {"count": 1, "amounts": {"EUR": 28.0}}, "Bob": {"count": 1, "amounts": {"USD": 10.0}},
        "Carol": {"count": 1, "amounts": {"EUR": 12.5}}}
    db.close()
    args = ["--data-dir", str(data_dir), "kpi", "--from", "2026-06-01", "--to", "2026-06-04", "--tz", "UTC"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "refunds issued  5 · 52.50 EUR + 10.00 USD" in text
    assert "refunds 1 · 28.00 EUR" in text  # Alice's row
    assert cli.main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["refunds"] == {"count": 5, "amounts": {"EUR": 52.5, "USD": 10.0}}

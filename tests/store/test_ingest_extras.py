"""Upserts of agents, teams, templates, orders and surveys: updates in place, stale copies ignored, junk
amounts kept as zero, surveys tied to their conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskapp.domain import Agent, Order, OrderLine, Refund, SurveyKind, SurveyResponse, Team, Template
from deskapp.store import accounts
from deskapp.store.ingest_extras import apply_agents, apply_orders, apply_surveys, apply_teams, apply_templates
from deskapp.store.ingest_util import AppliedChanges

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def shop(db):
    with db.write() as conn:
        account = accounts.insert_account(conn, "shopify", "shop", "http://127.0.0.1:1", {})
    return db, account


def _all(db, sql: str, params: tuple = ()):
    with db.read() as conn:
        return conn.exec_driver_sql(sql, params).all()


def test_agents_update_in_place_and_the_signed_in_user_moves_with_a_new_token(shop):
    db, account = shop
    with db.write() as conn:
        apply_agents(conn, account, [Agent("1", "Ada", "ada@shop.test", is_me=True), Agent("2", "Bo")])
        apply_agents(conn, account, [Agent("1", "Ada L.", "ada@shop.test", role="administrator")])
    assert _all(db, "SELECT external_id, name, role, is_me FROM agent ORDER BY external_id") == [
        ("1", "Ada L.", "administrator", 1), ("2", "Bo", "agent", 0)]  # a list without is_me keeps it
    with db.write() as conn:
        apply_agents(conn, account, [Agent("2", "Bo", is_me=True)])
    assert _all(db, "SELECT external_id FROM agent WHERE is_me = 1") == [("2",)]


def test_teams_are_renamed_and_templates_without_an_id_are_keyed_by_name(shop):
    db, account = shop
    with db.write() as conn:
        apply_teams(conn, account, [Team("t1", "Tier 1")])
        apply_teams(conn, account, [Team("t1", "Front line")])
        apply_templates(conn, account, [Template("Where is it", "Hi {{name}}", intents=("order_status",)),
                                        Template("Where is it", "Hello {{name}}", shortcut="wis"),
                                        Template("Refunds", "Your refund...", external_id="42")])
    assert _all(db, "SELECT name FROM team") == [("Front line",)]
    assert _all(db, "SELECT external_id, body, shortcut, intents FROM template ORDER BY external_id") == [
        ("42", "Your refund...", "", "[]"), ("name:Where is it", "Hello {{name}}", "wis", "[]")]


def _order(updated: datetime, **extra) -> Order:
    fields = {"external_id": "gid://shopify/Order/1", "number": "#1001", "customer_external_id": None,
              "placed_at": T0, "updated_at": updated, "total": 40.0, "currency": "EUR", "financial_status": "paid",
              "fulfillment_status": "fulfilled", "lines": (OrderLine("Mug", 2, unit_price=20.0),)}
    fields.update(extra)
    return Order(**fields)


def test_a_newer_order_replaces_its_lines_and_refunds_and_a_stale_copy_is_ignored(shop):
    db, account = shop
    later = T0 + timedelta(days=2)
    with db.write() as conn:
        first = apply_orders(conn, account, [_order(T0)], AppliedChanges(account))
        again = apply_orders(conn, account, [_order(later, financial_status="partially_refunded", total_refunded=20,
                                                    lines=(OrderLine("Mug", 2, refunded_quantity=1),),
                                                    refunds=(Refund("r1", later, 20.0, "EUR", "deskapp:outbox:7"),
                                                             Refund("r1", later, 20.0, "EUR", "deskapp:outbox:7")))],
                             AppliedChanges(account))
        stale = apply_orders(conn, account, [_order(T0 + timedelta(days=1), financial_status="paid")],
                             AppliedChanges(account))
    assert first == again and stale == []
    assert _all(db, 'SELECT financial_status, total_refunded FROM "order"') == [("partially_refunded", 20.0)]
    assert _all(db, "SELECT title, refunded_quantity FROM order_line") == [("Mug", 1)]
    assert _all(db, "SELECT external_id, amount, note FROM order_refund") == [("r1", 20.0, "deskapp:outbox:7")]


@pytest.mark.parametrize("junk", [float("nan"), float("inf"), "lots", None])
def test_junk_refund_amounts_are_kept_as_zero_never_a_crash(shop, junk):
    db, account = shop
    with db.write() as conn:
        apply_orders(conn, account, [_order(T0, total_refunded=junk, refunds=(Refund("r1", None, junk, ""),))],
                     AppliedChanges(account))
    assert _all(db, 'SELECT total_refunded FROM "order"') == [(0.0,)]
    assert _all(db, "SELECT amount FROM order_refund") == [(0.0,)]


def test_an_orders_customer_is_found_or_created_and_reported_as_changed(shop):
    db, account = shop
    changes = AppliedChanges(account)
    with db.write() as conn:
        apply_orders(conn, account, [_order(T0, customer_external_id="gid://shopify/Customer/5")], changes)
    (customer,) = _all(db, 'SELECT customer_id FROM "order"')[0]
    assert customer is not None and changes.customer_ids == [customer]


def test_surveys_are_tied_to_their_conversation_and_a_csat_lands_on_it(shop):
    db, account = shop
    with db.write() as conn:
        conn.exec_driver_sql("INSERT INTO conversation (account_id, external_id, channel, status, labels,"
                             " created_at, updated_at) VALUES (?, 'c1', 'email', 'open', '[]', 0, 0)", (account,))
        ids = apply_surveys(conn, account, [SurveyResponse("s1", SurveyKind.CSAT, 2, T0, "c1"),
                                            SurveyResponse("s2", SurveyKind.NPS, 9, T0, "gone")])
        apply_surveys(conn, account, [SurveyResponse("s1", SurveyKind.CSAT, 5, T0, "c1", "sorted now")])
    assert len(ids) == 2
    assert _all(db, "SELECT external_id, kind, score, conversation_id IS NOT NULL, comment FROM survey_response"
                    " ORDER BY external_id") == [("s1", "csat", 5, 1, "sorted now"), ("s2", "nps", 9, 0, "")]
    assert _all(db, "SELECT csat FROM conversation") == [(5,)]

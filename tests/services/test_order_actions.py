"""Order action plans checked against the cached order (what will happen, or a clear refusal) and a confirmed
plan queued to the outbox and shown beside its order at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from deskapp.domain import Order, OrderLine, OutboxKind
from deskapp.services.order_actions import OrderActionError, OrderActionService
from deskapp.store import accounts
from deskapp.store import order_actions as order_store
from deskapp.store.ingest_extras import apply_orders
from deskapp.store.ingest_util import AppliedChanges
from deskapp.store.outbox import OutboxStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LINES = (OrderLine("Merino Crew", 2, "MC-M", 28.0), OrderLine("Mug", 1, "MUG", 12.0))  # + 4.95 shipping


def _order(gid: str, number: str, **extra) -> Order:
    fields = {"external_id": gid, "number": number, "customer_external_id": None, "placed_at": T0,
              "updated_at": T0, "total": 72.95, "currency": "EUR", "financial_status": "paid",
              "fulfillment_status": "unfulfilled", "lines": LINES}
    fields.update(extra)
    return Order(**fields)


@pytest.fixture
def service(db, data_dir):
    with db.write() as conn:
        account = accounts.insert_account(conn, "shopify", "shop", "http://127.0.0.1:1", {})
        apply_orders(conn, account, [
            _order("gid://shopify/Order/1", "#1001"),
            _order("gid://shopify/Order/2", "#1002", fulfillment_status="fulfilled"),
            _order("gid://shopify/Order/3", "#1003", cancelled_at=T0, financial_status="refunded"),
            _order("gid://shopify/Order/4", "#1004", financial_status="pending")], AppliedChanges(account))
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    changes: list = []
    yield OrderActionService(db, outbox, on_change=changes.append), outbox, changes
    outbox.close()


def test_a_refund_plan_says_what_it_refunds_and_estimates_the_amount(service):
    svc, _outbox, _changes = service
    plan = svc.plan_refund("#1001", lines={0: 1}, shipping=True, restock=True)
    assert plan.kind == OutboxKind.ORDER_REFUND
    assert plan.payload["lines"] == [{"title": "Merino Crew", "sku": "MC-M", "quantity": 1}]
    assert plan.payload["estimate"] == "32.95" and plan.payload["amount"] is None and plan.payload["restock"]
    assert plan.details[:2] == ("1 × Merino Crew (MC-M) at 28.00 EUR", "shipping 4.95 EUR")
    whole = svc.plan_refund("1001", whole=True, notify=False)
    assert whole.payload["estimate"] == "72.95" and whole.details[-1] == "the customer is not notified"
    assert svc.plan_refund("#1001", amount=10).payload["amount"] == "10.00"


@pytest.mark.parametrize(("ref", "kwargs", "message"), [
    ("#1004", {"whole": True}, "pending: nothing to refund"),
    ("#1001", {"lines": {5: 1}}, "has no line 6"),
    ("#1001", {"lines": {0: 3}}, "refund 1 to 2, not 3"),
    ("#1001", {"amount": 100.0}, "at most the order's 72.95"),
    ("#1001", {"amount": 0.0}, "more than 0"),
    ("#1001", {}, "choose lines"),
    ("#9999", {"whole": True}, "no order '#9999' in the cache"),
])
def test_a_refund_that_cannot_be_done_is_refused_with_the_reason(service, ref, kwargs, message):
    with pytest.raises(OrderActionError, match=message):
        service[0].plan_refund(ref, **kwargs)


def test_cancel_and_address_only_before_shipping(service):
    svc = service[0]
    assert svc.plan_cancel("#1001", reason=" fraud ").payload["reason"] == "FRAUD"
    with pytest.raises(OrderActionError, match="already cancelled"):
        svc.plan_cancel("#1003")
    with pytest.raises(OrderActionError, match="fulfilled: refund or return it instead"):
        svc.plan_cancel("#1002")
    with pytest.raises(OrderActionError, match="the reason is one of"):
        svc.plan_cancel("#1001", reason="bored")
    address = {"address1": "Hauptstr. 1", "city": "Berlin", "countryCode": "de", "zip": "10115", "company": " "}
    assert svc.plan_address("#1001", address).payload["address"] == {
        "address1": "Hauptstr. 1", "city": "Berlin", "countryCode": "DE", "zip": "10115"}
    with pytest.raises(OrderActionError, match="has shipped or is cancelled"):
        svc.plan_address("#1002", address)


@pytest.mark.parametrize(("change", "message"), [
    ({"city": ""}, "needs city"),
    ({"countryCode": "Germany"}, "two letters"),
    ({"zip": "<script>"}, "does not look like a postal code"),
    ({"street": "x"}, "unknown address fields: street"),
])
def test_a_bad_address_is_refused(service, change, message):
    address = {"address1": "Hauptstr. 1", "city": "Berlin", "countryCode": "DE", "zip": "10115", **change}
    with pytest.raises(OrderActionError, match=message):
        service[0].plan_address("#1001", address)


def test_returns_and_replacements_need_shipped_lines(service):
    svc = service[0]
    plan = svc.plan_return("#1002", lines={1: 1}, reason="wrong item")
    assert plan.payload["reason"] == "WRONG_ITEM" and plan.payload["lines"][0]["sku"] == "MUG"
    with pytest.raises(OrderActionError, match="has not shipped"):
        svc.plan_return("#1001", lines={0: 1})
    with pytest.raises(OrderActionError, match="choose the lines to return"):
        svc.plan_return("#1002", lines={})
    assert "worth 56.00 EUR" in svc.plan_replacement("#1002", lines={0: 2}).details[1]
    with pytest.raises(OrderActionError, match="cancelled: nothing to replace"):
        svc.plan_replacement("#1003", lines={0: 1})


def test_a_discount_code_is_valid_from_the_given_time(service):
    svc = service[0]
    plan = svc.plan_discount("#1001", percentage=15, days=30, now=T0.timestamp())
    assert plan.payload["starts_at"] == "2026-11-02T09:00:00Z" and plan.payload["ends_at"] == "2026-12-02T09:00:00Z"
    assert plan.payload["code"].startswith("SORRY-") and len(plan.payload["code"]) == len("SORRY-") + 8
    for kwargs, message in (({}, "either a percentage or an amount"), ({"percentage": 10, "amount": 5}, "either"),
                            ({"percentage": 120}, "at most 100"), ({"amount": 1000}, "ten times"),
                            ({"percentage": 10, "days": 0}, "1 to 365 days")):
        with pytest.raises(OrderActionError, match=message):
            svc.plan_discount("#1001", now=T0.timestamp(), **kwargs)


def test_a_queued_plan_is_in_the_outbox_and_beside_its_order(service, db):
    svc, outbox, changes = service
    client_id = svc.queue(svc.plan_refund("#1001", lines={1: 1}))
    row = outbox.get(client_id)
    assert row is not None and row.kind == OutboxKind.ORDER_REFUND
    assert row.conversation_external_id == "gid://shopify/Order/1" and "summary" in row.payload
    with db.read() as conn:
        assert order_store.state_of(conn, client_id) == "queued"
    assert [a["client_id"] for a in svc.show("#1001")["actions"]] == [client_id]
    assert changes == [None]


def test_a_note_on_a_conversation_that_is_not_there_queues_nothing(service):
    svc, outbox, changes = service
    with pytest.raises(OrderActionError, match="no conversation with id 424242"):
        svc.queue(svc.plan_cancel("#1001"), conversation_id=424242)
    assert outbox.items() == [] and changes == []

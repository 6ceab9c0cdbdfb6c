"""Return eligibility in the template context ({{ order.return_eligible }}, {{ order.return_deadline }}, the
refundable amount, the returnable items) and the shipped "Return or exchange" template using it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

import pytest

from deskapp.copilot.context import build_context, order_summary
from deskapp.copilot.templating import LineItem, check, render
from tests.ui.fill import fill

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _return_template() -> str:
    shipped = json.loads((resources.files("deskapp.copilot") / "data" / "default_templates.json").read_text("utf-8"))
    return next(t["body"] for t in shipped if t["name"] == "Return or exchange")


@pytest.fixture
def conversation(db) -> int:
    """A conversation of customer 1, whose orders are #1010 (paid, not shipped) and #1011 (shipped)."""
    fill(db, conversations=6)
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT min(id) FROM conversation WHERE customer_id = 1").scalar()


def test_the_order_named_says_whether_it_can_be_returned_and_why_not(db, conversation):
    with db.read() as conn:
        unshipped = build_context(conn, conversation, mention_text="about #1010", now=NOW)["order"]
        shipped = build_context(conn, conversation, mention_text="about #1011", now=NOW)["order"]
    assert (unshipped["return_eligible"], unshipped["return_reason"]) == (False, "not delivered yet")
    assert (shipped["return_eligible"], shipped["return_reason"]) == (False, "no delivery date")
    # absent rather than blank: a template using them for this order reports missing data
    for absent in ("return_deadline", "refundable_amount", "return_items"):
        assert absent not in unshipped
    result = render("until {{ order.return_deadline }}", {"order": unshipped})
    assert result.missing == ["order.return_deadline"]
    with db.read() as conn:
        assert order_summary(conn, 10, now=NOW)["return_reason"] == "not delivered yet"


def test_a_refunded_order_says_so_in_the_shipped_template(db, conversation):
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE \"order\" SET financial_status = 'refunded' WHERE id = 11")
    with db.read() as conn:
        ctx = build_context(conn, conversation, mention_text="order 1011 please", agent_name="Maya Agent", now=NOW)
    result = render(_return_template(), ctx)
    assert result.ok, result
    assert "order #1011 cannot be returned (already refunded)" in result.text


def test_the_shipped_template_tells_an_eligible_customer_until_when_what_and_how_much():
    body = _return_template()
    assert check(body) == []
    ctx = {"customer": {"first_name": "Anna"}, "agent": {"name": "Alex Chen"},
           "order": {"number": "#1894", "currency": "EUR", "return_eligible": True,
                     "return_deadline": "14 December 2026", "refundable_amount": "56.00",
                     "return_items": [LineItem("Merino Crew", 2), LineItem("Wool Beanie", 1)]}}
    result = render(body, ctx)
    assert result.ok, result
    assert ("You can return or exchange 2 × Merino Crew, Wool Beanie from order #1894 until 14 December 2026"
            in result.text)
    assert "56.00 EUR for all of it" in result.text


def test_the_return_variables_are_known_to_the_editor():
    body = ("{{ order.return_eligible }} {{ order.return_deadline }} {{ order.return_reason }}"
            " {{ order.refundable_amount }} {% for i in order.return_items %}{{ i }}{% endfor %}")
    assert check(body) == []
    assert check("{{ order.return_until }}") == ["unknown variable order.return_until"]


def test_the_cached_delivery_date_and_refunds_reach_the_template_context(db, conversation):
    """The delivery date, the refunded quantities and the product tags the cache keeps decide what
    templates get: the deadline, the items still returnable and what is left to refund."""
    delivered = int(datetime(2026, 11, 30, 15, tzinfo=UTC).timestamp())
    with db.write() as conn:  # #1011 is 2 × Mug at 10.00: one was refunded already
        conn.exec_driver_sql('UPDATE "order" SET delivered_at = ?, fulfilled_at = ?, total_refunded = 10'
                             " WHERE id = 11", (delivered, delivered - 3 * 86400))
        conn.exec_driver_sql("UPDATE order_line SET refunded_quantity = 1 WHERE order_id = 11")
    with db.read() as conn:
        order = build_context(conn, conversation, mention_text="about #1011", now=NOW)["order"]
    assert order["return_eligible"] is True and order["return_deadline"] == "30 December 2026"
    assert order["return_items"] == [LineItem("Mug", 1)]
    assert order["refundable_amount"] == "10.00"
    with db.write() as conn:  # final sale: nothing is returnable, though the window is open
        conn.exec_driver_sql("UPDATE order_line SET product_tags = '[\"Final-Sale\"]' WHERE order_id = 11")
    with db.read() as conn:
        order = build_context(conn, conversation, mention_text="about #1011", now=NOW)["order"]
        summary = order_summary(conn, 11, now=NOW)
    assert order["return_eligible"] is False and order["return_deadline"] == "30 December 2026"
    assert order["return_reason"] == summary["return_reason"] == "final sale"

"""Refunds issued per agent on a small dataset, against totals worked out by hand: a refund this profile
queued counts for who queued it, any other for the agent of the customer's latest conversation."""

from __future__ import annotations

from deskapp.kpi.commerce import RefundRow, queued_by_marker, refunds_by_agent

ALICE, BOB, CAROL = 1, 2, 3
# customer -> [(conversation created at, assignee)], oldest first
CONVERSATIONS = {10: [(100, BOB), (500, CAROL)], 11: [(300, None)], 12: []}


def last_agent(customer: int | None, at: int) -> int | None:
    earlier = [agent for created, agent in CONVERSATIONS.get(customer or 0, []) if created <= at]
    return earlier[-1] if earlier else None


def test_refunds_go_to_who_queued_them_else_to_the_customers_latest_conversation():
    refunds = [
        RefundRow(600, 28.0, "EUR", "Damaged [deskapp:c-41]", 10),  # queued here by Alice
        RefundRow(600, 12.5, "EUR", "[deskapp:c-99]", 10),  # a colleague's deskapp: Carol's conversation
        RefundRow(400, 10.0, "USD", "", 10),  # made in the shop's admin after Bob's conversation
        RefundRow(350, 5.0, "EUR", None, 11),  # the latest conversation has no assignee
        RefundRow(700, 7.0, "EUR", "[deskapp:c-42]", 12),  # queued here while unassigned
        RefundRow(50, 3.0, "EUR", "gift", 12),  # no conversation at all
    ]
    figures = refunds_by_agent(refunds, queued_here={"c-41": ALICE, "c-42": None}, last_agent=last_agent)
    assert figures == {ALICE: {"count": 1, "amounts": {"EUR": 28.0}},
                       CAROL: {"count": 1, "amounts": {"EUR": 12.5}},
                       BOB: {"count": 1, "amounts": {"USD": 10.0}},
                       None: {"count": 3, "amounts": {"EUR": 15.0}}}


def test_the_marker_is_read_only_where_deskapp_writes_it():
    assert queued_by_marker("Refund, reason damaged [deskapp:2f1c-9a]") == "2f1c-9a"
    assert queued_by_marker("[deskapp:]") is None
    assert queued_by_marker("deskapp:abc") is None
    assert queued_by_marker("") is None
    assert refunds_by_agent([], queued_here={}, last_agent=last_agent) == {}

"""Changes: what a sync batch or an action touched, merged and asked about by the views."""

from __future__ import annotations

import pytest

from deskapp.domain.changes import NOTHING, Changes


def test_touched_conversations_imply_the_counts_and_nothing_else():
    changes = Changes.of(conversations=[3, 3, 5])
    assert changes.conversations == {3, 5} and changes.counts and not changes.all
    assert changes.touches_conversation(3) and not changes.touches_conversation(4)
    assert not changes.touches_conversation(None)
    assert not changes.touches_customer(1)


def test_customers_and_orders_alone_leave_the_counts_alone():
    changes = Changes.of(customers=[7], orders=["12"])
    assert not changes.counts and changes.orders == {12}
    assert changes.touches_customer(7)
    assert changes.touches_customer(8, order_ids=[12, 13])  # an order shown with customer 8 changed
    assert not changes.touches_customer(8, order_ids=[14])
    assert not changes.touches_customer(None, order_ids=[12])


def test_merging_keeps_everything_either_side_said():
    merged = Changes.of(conversations=[1]) | Changes.of(customers=[2]) | NOTHING
    assert merged == Changes(frozenset({1}), frozenset({2}), frozenset(), counts=True)
    assert (merged | Changes.everything()).all


def test_nothing_is_falsy_and_everything_touches_all():
    assert not NOTHING and not Changes()
    assert Changes.of(orders=[1])
    everything = Changes.everything()
    assert everything.counts and everything.touches_conversation(42) and everything.touches_customer(42)


def test_changes_are_frozen():
    with pytest.raises(AttributeError):
        Changes().all = True  # type: ignore[misc]

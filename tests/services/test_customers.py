"""Customer profiles (identities, lifetime value, orders with lines, past conversations) and merges."""

from __future__ import annotations

import pytest

from deskapp.services import customers
from tests.ui.fill import fill


@pytest.fixture
def filled(db):
    fill(db, conversations=12)
    return db


def test_profile_has_everything_the_panel_shows(filled):
    p = customers.profile(filled, 1)
    assert p.name == "Customer 1" and ("email", "c1@example.com") in p.identities
    assert p.lifetime_value == {"EUR": 45.0} and p.order_count == 2
    assert [o.number for o in p.orders] == ["#1010", "#1011"]  # newest first
    assert p.orders[1].tracking_urls == ["https://track.example.com/11"] and p.orders[0].lines[0][0] == "Mug"
    assert p.proposals and p.proposals[0].other_customer_id == 2
    assert p.conversations and all(c.id for c in p.conversations)
    assert customers.profile(filled, 9999) is None


def test_cancelled_orders_do_not_count_towards_lifetime_value(filled):
    with filled.write() as conn:
        conn.exec_driver_sql('UPDATE "order" SET cancelled_at = 1 WHERE id = 10')
    p = customers.profile(filled, 1)
    assert p.lifetime_value == {"EUR": 25.0} and p.order_count == 1 and len(p.orders) == 2


def test_confirm_merge_moves_everything_to_the_kept_customer(filled):
    proposal = customers.profile(filled, 1).proposals[0]
    with filled.read() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM conversation WHERE customer_id IN (1, 2)").scalar()
    assert customers.confirm_merge(filled, proposal.id, 1) == 1
    p = customers.profile(filled, 1)
    assert ("email", "c2@example.com") in p.identities and p.order_count == 4 and not p.proposals
    assert len(p.conversations) == before
    assert customers.profile(filled, 2) is None
    with pytest.raises(ValueError):
        customers.confirm_merge(filled, proposal.id, 1)


def test_reject_merge_keeps_both(filled):
    proposal = customers.profile(filled, 1).proposals[0]
    customers.reject_merge(filled, proposal.id)
    assert customers.profile(filled, 1).proposals == [] and customers.profile(filled, 2) is not None
    with pytest.raises(ValueError):
        customers.confirm_merge(filled, proposal.id, 1)

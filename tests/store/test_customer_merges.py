"""store.customer_merges: a merge proposal as the agent decides it: both customers' Chatwoot contacts, folding
one customer into the other (everything of theirs moves, nothing is lost, pending proposals follow), and
rejecting."""

from __future__ import annotations

import pytest

from deskapp.store import customer_merges as merges
from tests.faults.seed import seed_cache


@pytest.fixture
def world(db):
    seeded = seed_cache(db, conversations=2)
    shop = seed_cache(db, conversations=0, account_kind="shopify")["account_id"]
    hub = seeded["account_id"]
    with db.write() as conn:
        def customer(name: str) -> int:
            return conn.exec_driver_sql("INSERT INTO customer (name) VALUES (?) RETURNING id", (name,)).scalar()

        keep, gone, third = customer("Ana Lima"), customer("ana lima (mail)"), customer("Carl")
        for account, external, owner in ((hub, "c1", keep), (hub, "c2", gone), (shop, "s9", gone)):
            conn.exec_driver_sql("INSERT INTO contact (account_id, external_id, customer_id) VALUES (?, ?, ?)",
                                 (account, external, owner))
        for owner, kind, value in ((keep, "email", "ana@x"), (gone, "email", "ana@x"), (gone, "phone", "+4917")):
            conn.exec_driver_sql("INSERT INTO customer_identity (customer_id, kind, value, account_id)"
                                 " VALUES (?, ?, ?, ?)", (owner, kind, value, hub))
        conn.exec_driver_sql("UPDATE conversation SET customer_id = ? WHERE id = ?", (gone, seeded["conversations"][1]))
        conn.exec_driver_sql('INSERT INTO "order" (account_id, external_id, customer_id, number, placed_at, updated_at)'
                             " VALUES (?, 'o1', ?, '#1001', 1, 1)", (shop, gone))

        def proposal(a: int, b: int) -> int:
            return conn.exec_driver_sql("INSERT INTO merge_proposal (customer_id, other_customer_id, reason,"
                                        " created_at) VALUES (?, ?, 'same email', 1) RETURNING id", (a, b)).scalar()

        chosen, with_third, mirrored = proposal(keep, gone), proposal(gone, third), proposal(gone, keep)
    return {"hub": hub, "shop": shop, "keep": keep, "gone": gone, "third": third, "chosen": chosen,
            "with_third": with_third, "mirrored": mirrored, "conversations": seeded["conversations"]}


def test_a_proposal_and_the_two_customers_chatwoot_contacts(db, world):
    with db.read() as conn:
        assert merges.proposal(conn, world["chosen"]) == (world["keep"], world["gone"], "pending")
        assert merges.proposal(conn, 99_999) is None
        contacts = merges.chatwoot_contacts(conn, world["keep"], world["gone"])
    assert contacts == [(world["hub"], world["keep"], "c1"), (world["hub"], world["gone"], "c2")]  # not the shop's


def test_folding_moves_everything_to_the_kept_customer_and_removes_the_other(db, world):
    keep, gone = world["keep"], world["gone"]
    with db.write() as conn:
        merges.fold(conn, world["chosen"], keep, gone, now=1_748_865_600)
    with db.read() as conn:
        def owners(sql: str) -> set:
            return {r[0] for r in conn.exec_driver_sql(sql)}

        assert owners("SELECT customer_id FROM contact") == {keep}
        assert owners("SELECT customer_id FROM conversation WHERE customer_id IS NOT NULL") == {keep}
        assert owners('SELECT customer_id FROM "order"') == {keep}
        assert sorted(tuple(r) for r in conn.exec_driver_sql(
            "SELECT kind, value FROM customer_identity WHERE customer_id = ?", (keep,))) == [
            ("email", "ana@x"), ("phone", "+4917")]  # the shared email once
        assert owners("SELECT id FROM customer") == {keep, world["third"]}
        assert conn.exec_driver_sql("SELECT updated_at FROM customer WHERE id = ?", (keep,)).scalar() == 1_748_865_600
        proposals = {tuple(r) for r in conn.exec_driver_sql(
            "SELECT customer_id, other_customer_id, state FROM merge_proposal")}
    # the pair's mirrored proposal is moot and gone; the other customer's proposal now concerns the kept one
    assert proposals == {(keep, keep, "accepted"), (keep, world["third"], "pending")}


def test_rejecting_keeps_both_customers(db, world):
    merges.reject(db, world["chosen"])
    with db.read() as conn:
        assert merges.proposal(conn, world["chosen"])[2] == "rejected"
        assert conn.exec_driver_sql("SELECT count(*) FROM customer").scalar() == 3

"""One customer across accounts and channels: exact identities merge, fuzzy ones become proposals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from deskapp.domain import (
    Channel,
    Contact,
    Conversation,
    Identity,
    IdentityKind,
    Order,
    Status,
    SurveyKind,
    SurveyResponse,
)
from deskapp.store import accounts, customers
from deskapp.store.ingest import apply_batch

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _email(v):
    return Identity(IdentityKind.EMAIL, v)


def _phone(v):
    return Identity(IdentityKind.PHONE, v)


@pytest.fixture
def accs(db):
    with db.write() as conn:
        return (accounts.insert_account(conn, "chatwoot", "cw", "http://127.0.0.1:9", {"account_id": 1}),
                accounts.insert_account(conn, "shopify", "shop", "http://127.0.0.1:9"),
                accounts.insert_account(conn, "imap_smtp", "mail", "http://127.0.0.1:9"))


def _apply(db, acc, records):
    with db.write() as conn:
        return apply_batch(conn, acc, records, stream="s", cursor=None)


def _one(db, sql, *params):
    with db.read() as conn:
        return conn.exec_driver_sql(sql, params).all()


def test_same_email_on_two_accounts_is_one_customer(db, accs):
    cw, shop, mail = accs
    _apply(db, cw, [Contact("1", "Bea Smith", (_email("Bea@Example.com"), _phone("+4915112345678"))),
                    Conversation("c1", Channel.WHATSAPP, Status.OPEN, "1", T0, T0)])
    _apply(db, shop, [Contact("gid://Customer/9", "Bea Smith", (_email("bea@example.com"),)),
                      Order("o1", "#1001", "gid://Customer/9", T0, T0, 10, "EUR", "paid", "")])
    _apply(db, mail, [Contact("bea@example.com", "", (_email("bea@example.com"),))])
    assert _one(db, "SELECT count(*) FROM customer") == [(1,)]
    assert _one(db, "SELECT count(DISTINCT customer_id) FROM contact") == [(1,)]
    assert _one(db, "SELECT name FROM customer") == [("Bea Smith",)]
    idents = _one(db, "SELECT kind, value FROM customer_identity ORDER BY kind")
    assert idents == [("email", "bea@example.com"), ("phone", "+4915112345678")]


def test_a_new_identity_merges_two_existing_customers_and_repoints_everything(db, accs):
    cw, shop, _mail = accs
    _apply(db, cw, [Contact("1", "Bea", (_phone("+4915112345678"),)),
                    Conversation("c1", Channel.SMS, Status.OPEN, "1", T0, T0)])
    _apply(db, shop, [Contact("s1", "Bea S.", (_email("bea@example.com"),)),
                      Order("o1", "#1001", "s1", T0, T0, 10, "EUR", "paid", "")])
    _apply(db, cw, [SurveyResponse("sv1", SurveyKind.CSAT, 4, T0, conversation_external_id="c1")])
    assert _one(db, "SELECT count(*) FROM customer") == [(2,)]
    # the chat contact later gains the email the shop knows: the two are one person
    _apply(db, cw, [Contact("1", "Bea", (_phone("+4915112345678"), _email("bea@example.com")))])
    assert _one(db, "SELECT count(*) FROM customer") == [(1,)]
    survivor = _one(db, "SELECT id FROM customer")[0][0]
    for table in ("contact", "conversation", '"order"', "survey_response"):
        assert _one(db, f"SELECT DISTINCT customer_id FROM {table}") == [(survivor,)], table


def test_same_phone_written_two_ways_is_exact_after_normalising(db, accs):
    cw, shop, _ = accs
    _apply(db, cw, [Contact("1", "Ann", (_phone("+49 151 12345678"),))])
    _apply(db, shop, [Contact("s1", "Ann", (_phone("+4915112345678"),))])
    assert _one(db, "SELECT count(*) FROM customer") == [(1,)]


def test_different_people_stay_apart(db, accs):
    cw, shop, _ = accs
    _apply(db, cw, [Contact("1", "Ann", (_email("ann@example.com"),)), Contact("2", "Bob", (_email("bob@x.com"),))])
    _apply(db, shop, [Contact("s1", "Cy", (_email("cy@example.com"),))])
    assert _one(db, "SELECT count(*) FROM customer") == [(3,)]
    assert _one(db, "SELECT count(*) FROM merge_proposal") == [(0,)]


def test_same_name_and_order_email_is_a_proposal_then_accept_merges(db, accs):
    cw, shop, _ = accs
    _apply(db, cw, [Contact("1", "Carla Diaz", (_email("carla.work@example.com"),)),
                    Conversation("c1", Channel.EMAIL, Status.OPEN, "1", T0, T0)])
    _apply(db, shop, [Contact("s1", "Carla Diaz", (_email("carla@home.example"),)),
                      Order("o1", "#1001", "s1", T0, T0, 10, "EUR", "paid", "", email="carla.work@example.com")])
    assert _one(db, "SELECT count(*) FROM customer") == [(2,)]
    proposals = _one(db, "SELECT id, reason, state FROM merge_proposal")
    assert len(proposals) == 1 and proposals[0][2] == "pending" and "order email" in proposals[0][1]
    with db.write() as conn:
        survivor = customers.accept_proposal(conn, proposals[0][0])
    assert _one(db, "SELECT count(*) FROM customer") == [(1,)]
    assert _one(db, "SELECT DISTINCT customer_id FROM conversation") == [(survivor,)]
    assert _one(db, 'SELECT DISTINCT customer_id FROM "order"') == [(survivor,)]
    with db.write() as conn:
        assert customers.accept_proposal(conn, proposals[0][0]) is None  # already handled


def test_rejected_proposal_is_not_proposed_again(db, accs):
    cw, shop, _ = accs
    _apply(db, cw, [Contact("1", "Carla Diaz", (_email("carla.work@example.com"),))])
    order = Order("o1", "#1001", "s1", T0, T0, 10, "EUR", "paid", "", email="carla.work@example.com")
    _apply(db, shop, [Contact("s1", "Carla Diaz", (_email("carla@home.example"),)), order])
    pid = _one(db, "SELECT id FROM merge_proposal")[0][0]
    with db.write() as conn:
        assert customers.reject_proposal(conn, pid)
    _apply(db, shop, [Contact("s1", "Carla Diaz", (_email("carla@home.example"),)), order])
    assert _one(db, "SELECT state FROM merge_proposal") == [("rejected",)]
    assert _one(db, "SELECT count(*) FROM customer") == [(2,)]


def test_phone_that_normalises_differently_is_a_proposal(db, accs):
    cw, shop, _ = accs
    _apply(db, cw, [Contact("1", "Dan", (_phone("+4917612345678"),))])
    _apply(db, shop, [Contact("s1", "Dan", (_phone("+4317612345678"),))])  # same number, other country code
    assert _one(db, "SELECT count(*) FROM customer") == [(2,)]
    assert _one(db, "SELECT reason FROM merge_proposal") == [("similar phone number",)]


def test_conversation_with_a_contact_not_yet_pulled_keeps_its_link(db, accs):
    cw, _, _ = accs
    _apply(db, cw, [Conversation("c1", Channel.EMAIL, Status.OPEN, "99", T0, T0)])
    assert _one(db, "SELECT count(*) FROM customer") == [(1,)]
    _apply(db, cw, [Contact("99", "Eve", (_email("eve@example.com"),))])
    assert _one(db, "SELECT name FROM customer") == [("Eve",)]
    assert _one(db, "SELECT count(*) FROM conversation WHERE customer_id IS NOT NULL") == [(1,)]


def test_social_only_contact_resembling_a_known_customer_is_a_proposal(db, accs):
    cw, shop, _ = accs
    _apply(db, shop, [Contact("s1", "Björn García", (_email("bjorn@example.com"),)),
                      Contact("s2", "Jo Wu", (_email("jo@example.com"),))])
    _apply(db, cw, [Contact("7", "bjorn_garci131", (Identity(IdentityKind.EXTERNAL, "bjorn_garci131"),)),
                    Contact("8", "jo_wu2", (Identity(IdentityKind.EXTERNAL, "jo_wu2"),))])
    assert _one(db, "SELECT count(*) FROM customer") == [(4,)]  # never merged without an agent
    reasons = _one(db, "SELECT reason FROM merge_proposal")
    assert reasons == [("social contact resembling this customer's name",)]  # "jowu" is too short to propose


def test_search_index_learns_names_that_arrive_later_and_merges(db, accs):
    from deskapp.domain import Direction, Message

    cw, shop, _ = accs
    _apply(db, cw, [Conversation("c1", Channel.EMAIL, Status.OPEN, "99", T0, T0),
                    Message("m1", "c1", Direction.IN, T0, text="where is my parcel")])
    assert _one(db, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'customer_name:zelda'") == [(0,)]
    _apply(db, cw, [Contact("99", "Zelda Quist", (_email("zelda@example.com"),))])
    assert _one(db, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'customer_name:zelda'") == [(1,)]
    _apply(db, shop, [Contact("s1", "Zelda Q.", (_email("zelda@example.com"),))])
    assert _one(db, "SELECT count(*) FROM message_fts") == [(1,)]  # refreshed, never duplicated

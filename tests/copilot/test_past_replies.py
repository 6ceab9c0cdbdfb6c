"""copilot.past_replies: a past reply written to another customer never carries that customer's data into a
suggestion, even what the cache does not know belongs to them."""

from __future__ import annotations

import pytest

from deskapp.copilot.past_replies import PastReply, candidate_terms, depersonalise, fts_query
from tests.kpi.builder import CacheBuilder

T = 1_750_000_000  # pinned

OTHER = ("Hola Bea, tu pedido #1275 va con DHL Express: "
         "https://www.dhl.com/en/express/tracking.html?AWB=JD0146000050584185 (JD0146000050584185). "
         "Escríbenos a bea.lopez@example.org o mira https://shop.example.com/pages/shipping para más.")


@pytest.fixture
def unknown_sender(db):
    """A past conversation whose customer the cache knows nothing about (no customer row, no orders)."""
    with db.write() as conn:
        b = CacheBuilder(conn)
        conversation = b.conversation(created=T)
        inbound = b.message(conversation, "in", T)
        reply = b.message(conversation, "out", T + 60)
    return PastReply(OTHER, conversation, inbound, reply, 1.0, "order_status")


def test_order_numbers_links_tracking_numbers_and_emails_are_recognised_by_shape(db, unknown_sender):
    context = {"customer": {"first_name": "Tara", "email": "tara@example.com"},
               "order": {"number": "#1395", "tracking_url": "https://track.example/1395",
                         "tracking_number": "1Z1395"}}
    with db.read() as conn:
        out = depersonalise(conn, unknown_sender, context)
    for leaked in ("#1275", "JD0146000050584185", "dhl.com", "bea.lopez@example.org"):
        assert leaked not in out
    assert "#1395" in out and "https://track.example/1395" in out and "(1Z1395)" in out
    assert "tara@example.com" in out and out.startswith("Hola Tara, tu pedido #1395")
    assert "https://shop.example.com/pages/shipping" in out  # a general page of the shop stays


def test_without_this_customers_data_placeholders_stand_in(db, unknown_sender):
    with db.read() as conn:
        out = depersonalise(conn, unknown_sender, {})
    assert "[order]" in out and "[tracking link]" in out and "[tracking number]" in out and "[email]" in out
    assert "#1275" not in out and "JD0146000050584185" not in out and out.startswith("Hola there,")


def test_the_search_words_are_the_telling_ones_and_quoted():
    terms = candidate_terms("Hello, where is my order?? The parcel with the blue vase never arrived")
    assert "parcel" in terms and "where" not in terms and "order" not in terms
    assert fts_query('say "hi" OR NEAR(x)', ["near", "say"]) == 'text : ("near" OR "say")'
    assert fts_query("the and for") is None


def test_the_other_customers_known_name_becomes_one_first_name(db):
    with db.write() as conn:
        b = CacheBuilder(conn)
        bea = b.customer("Bea López Ruiz")
        conversation = b.conversation(created=T, customer=bea)
        inbound = b.message(conversation, "in", T)
        reply = b.message(conversation, "out", T + 60)
    past = PastReply("Hola Bea López, gracias. Bea, ¿algo más? Saludos a López Ruiz.", conversation, inbound,
                     reply, 1.0, None)
    with db.read() as conn:
        out = depersonalise(conn, past, {"customer": {"first_name": "Tara"}})
    assert out == "Hola Tara, gracias. Tara, ¿algo más? Saludos a Tara."

"""store.template_context_rows: the conversation with its customer, identities, newest orders first, an
order's lines in order, the latest inbound text and the signed-in agent of the conversation's account."""

from __future__ import annotations

from deskapp.store import template_context_rows as rows
from tests.kpi.builder import CacheBuilder

T = 1_750_000_000  # pinned


def test_what_a_template_may_read(db):
    with db.write() as conn:
        b = CacheBuilder(conn)
        b.agent("Other Account Me", is_me=True)
        zoe = b.customer("Zoë Martin")
        conn.exec_driver_sql("INSERT INTO customer_identity (customer_id, kind, value) VALUES (?, 'email', ?)",
                             (zoe, "zoe@example.com"))
        old, new = b.order(T - 86_400 * 30, customer=zoe), b.order(T - 86_400, customer=zoe)
        for title in ("Mug", "Scarf"):
            conn.exec_driver_sql("INSERT INTO order_line (order_id, title, quantity, sku, unit_price)"
                                 " VALUES (?, ?, 1, ?, 9.5)", (new, title, title.upper()))
        talk = b.conversation(created=T, customer=zoe, intent="order_status")
        first = b.message(talk, "in", T)
        latest = b.message(talk, "in", T + 60)
        b.message(talk, "out", T + 120)
        conn.exec_driver_sql("UPDATE message SET text = ? WHERE id = ?", ("where is #2", first))
        conn.exec_driver_sql("UPDATE message SET text = ? WHERE id = ?", ("any news?", latest))
        alone = b.conversation(created=T)
    with db.read() as conn:
        header = rows.conversation_with_customer(conn, talk)
        assert (header.customer_id, header.customer_name, header.intent) == (zoe, "Zoë Martin", "order_status")
        assert rows.conversation_with_customer(conn, 99_999) is None
        assert rows.conversation_with_customer(conn, alone).customer_name is None
        assert rows.identities(conn, zoe) == [("email", "zoe@example.com")]
        assert [o.id for o in rows.recent_orders(conn, zoe)] == [new, old]
        assert [o.id for o in rows.recent_orders(conn, zoe, limit=1)] == [new]
        assert rows.order(conn, old).id == old and rows.order(conn, 99_999) is None
        assert [(line.title, line.sku) for line in rows.order_lines(conn, new)] == [("Mug", "MUG"), ("Scarf", "SCARF")]
        assert rows.latest_inbound_text(conn, talk) == "any news?" and rows.latest_inbound_text(conn, alone) == ""
        assert rows.signed_in_agent_name(conn, 1) == "Other Account Me"
        assert rows.signed_in_agent_name(conn, 2) == "Other Account Me"  # any account's, its own first

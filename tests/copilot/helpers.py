"""Fills a real cache with plain INSERTs (customers, orders, conversations, messages) for copilot tests."""

from __future__ import annotations

import json

from sqlalchemy import Connection

T0 = 1_750_000_000


def add_account(conn: Connection, account_id: int = 1, agent_name: str = "Sam Agent") -> None:
    conn.exec_driver_sql("INSERT INTO account(id, kind, name, created_at) VALUES (?, 'chatwoot', 'hub', 0)",
                         (account_id,))
    conn.exec_driver_sql(
        "INSERT INTO agent(account_id, external_id, name, email, is_me) VALUES (?, 'me', ?, 'sam@shop', 1)",
        (account_id, agent_name))


def add_customer(conn: Connection, name: str, email: str | None = None) -> int:
    cid = conn.exec_driver_sql("INSERT INTO customer(name) VALUES (?) RETURNING id", (name,)).scalar_one()
    if email:
        conn.exec_driver_sql("INSERT INTO customer_identity(customer_id, kind, value) VALUES (?, 'email', ?)",
                             (cid, email))
    return cid


def add_order(conn: Connection, customer_id: int, number: str, *, placed_at: int = T0, fulfillment: str = "fulfilled",
              financial: str = "paid", tracking_url: str | None = None, lines=(("Blue Mug", 2),),
              account_id: int = 1) -> int:
    urls = [tracking_url] if tracking_url else []
    oid = conn.exec_driver_sql(
        'INSERT INTO "order"(account_id, external_id, customer_id, number, placed_at, updated_at, total, currency,'
        " financial_status, fulfillment_status, tracking_numbers, tracking_urls)"
        " VALUES (?, ?, ?, ?, ?, ?, 42.5, 'EUR', ?, ?, ?, ?) RETURNING id",
        (account_id, f"o{number}", customer_id, number, placed_at, placed_at, financial, fulfillment,
         json.dumps(["TRK" + number.lstrip("#")] if urls else []), json.dumps(urls))).scalar_one()
    for title, qty in lines:
        conn.exec_driver_sql("INSERT INTO order_line(order_id, title, quantity) VALUES (?, ?, ?)", (oid, title, qty))
    return oid


def add_conversation(conn: Connection, external_id: str, customer_id: int | None, *, subject: str = "",
                     status: str = "open", account_id: int = 1, at: int = T0) -> int:
    return conn.exec_driver_sql(
        "INSERT INTO conversation(account_id, external_id, customer_id, channel, status, subject, created_at,"
        " updated_at, last_message_at) VALUES (?, ?, ?, 'email', ?, ?, ?, ?, ?) RETURNING id",
        (account_id, external_id, customer_id, status, subject, at, at, at)).scalar_one()


def add_message(conn: Connection, conversation_id: int, direction: str, text: str, *, at: int = T0,
                account_id: int = 1, external_id: str | None = None) -> int:
    ext = external_id or f"m{conversation_id}-{at}-{direction}-{abs(hash(text)) % 10_000_000}"
    return conn.exec_driver_sql(
        "INSERT INTO message(account_id, external_id, conversation_id, direction, text, sent_at)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (account_id, ext, conversation_id, direction, text, at)).scalar_one()


def article(external_id: str, title: str, body: str = "", *, status: str = "published", updated_at: int = T0,
            locale: str = "en", portal: str = "help") -> dict:
    """A help-center article as the knowledge sync hands it to store.help_articles.replace_portal."""
    return {"portal_slug": portal, "external_id": external_id, "slug": title.lower().replace(" ", "-"),
            "title": title, "description": f"About {title.lower()}", "body": body, "locale": locale,
            "category": "Shipping", "status": status, "url": f"https://help.example.com/{external_id}",
            "updated_at": updated_at}

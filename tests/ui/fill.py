"""Fills a migrated cache with plain INSERTs for the UI and inbox-service tests (no sync needed)."""

from __future__ import annotations

import json
import random
import time

CHANNELS = ["email", "web_chat", "whatsapp", "instagram", "sms"]
NOW = int(time.time())


def fill(db, *, conversations: int = 30, messages_per: int = 4, seed: int = 7) -> dict:
    """Two accounts, two agents (one is me), a team, customers with identities, orders, conversations."""
    rnd = random.Random(seed)
    with db.write() as conn:
        x = conn.exec_driver_sql
        x("INSERT INTO account(id, kind, name, base_url, state, last_sync, created_at) VALUES"
          " (1, 'chatwoot', 'Support hub', 'http://127.0.0.1:9', 'online', ?, ?),"
          " (2, 'shopify', 'Shop', 'http://127.0.0.1:9', 'online', ?, ?)", (NOW, NOW, NOW, NOW))
        x("INSERT INTO agent(id, account_id, external_id, name, email, role, is_me) VALUES"
          " (1, 1, 'a1', 'Maya Agent', 'maya@example.com', 'administrator', 1),"
          " (2, 1, 'a2', 'Sam Other', 'sam@example.com', 'agent', 0)")
        x("INSERT INTO team(id, account_id, external_id, name) VALUES (1, 1, 't1', 'Tier 1')")
        customers = max(3, conversations // 3)
        for cid in range(1, customers + 1):
            x("INSERT INTO customer(id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
              (cid, f"Customer {cid}", NOW - 90 * 86400, NOW))
            x("INSERT INTO customer_identity(customer_id, kind, value, account_id) VALUES (?, 'email', ?, 1)",
              (cid, f"c{cid}@example.com"))
            x("INSERT INTO contact(account_id, external_id, customer_id, name) VALUES (1, ?, ?, ?)",
              (f"ct{cid}", cid, f"Customer {cid}"))
            for k in range(2):
                oid = cid * 10 + k
                x('INSERT INTO "order"(id, account_id, external_id, customer_id, number, placed_at, updated_at,'
                  " total, currency, financial_status, fulfillment_status, email, tracking_numbers, tracking_urls)"
                  " VALUES (?, 2, ?, ?, ?, ?, ?, ?, 'EUR', 'paid', ?, ?, ?, ?)",
                  (oid, f"o{oid}", cid, f"#{1000 + oid}", NOW - (k + 1) * 86400 * 7, NOW, 20.0 + k * 5,
                   "fulfilled" if k else "unfulfilled", f"c{cid}@example.com",
                   json.dumps([f"TRK{oid}"] if k else []),
                   json.dumps([f"https://track.example.com/{oid}"] if k else [])))
                x("INSERT INTO order_line(order_id, title, quantity, sku, unit_price) VALUES (?, 'Mug', 2, 'MUG', 10)",
                  (oid,))
        x("INSERT INTO merge_proposal(customer_id, other_customer_id, reason, created_at) VALUES (1, 2,"
          " 'same name and order email', ?)", (NOW,))
        statuses = ["open"] * 6 + ["pending", "snoozed", "resolved", "resolved"]
        msg_id = 0
        for conv in range(1, conversations + 1):
            channel = CHANNELS[conv % len(CHANNELS)]
            status = statuses[conv % len(statuses)]
            assignee = [1, 2, None][conv % 3]
            created = NOW - conv * 3600
            labels = ["vip"] if conv % 4 == 0 else []
            x("INSERT INTO conversation(id, account_id, external_id, customer_id, channel, subject, snippet, status,"
              " priority, assignee_id, team_id, labels, intent, urgency, created_at, updated_at, last_message_at,"
              " unread, sla_due_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 'order_status', ?, ?, ?, ?, ?, ?)",
              (conv, f"cw{conv}", (conv % customers) + 1, channel, f"Where is my order {conv}?",
               f"Hello, order {conv} has not arrived", status, "urgent" if conv % 7 == 0 else "none", assignee,
               json.dumps(labels), "urgent" if conv % 11 == 0 else "normal", created, created,
               created + 60 * messages_per, conv % 2, created + 7200))
            for label in labels:
                x("INSERT INTO conversation_label(conversation_id, label) VALUES (?, ?)", (conv, label))
            for m in range(messages_per):
                msg_id += 1
                direction = "in" if m % 2 == 0 else ("note" if m == 3 else "out")
                x("INSERT INTO message(id, account_id, external_id, conversation_id, direction, author_name, text,"
                  " sent_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
                  (msg_id, f"m{msg_id}", conv, direction, "Customer" if direction == "in" else "Maya Agent",
                   f"message {m} of conversation {conv} {rnd.choice(['parcel', 'refund', 'size'])}",
                   created + 60 * m))
            conn.exec_driver_sql("UPDATE conversation SET message_count = ? WHERE id = ?", (messages_per, conv))
    return {"conversations": conversations, "customers": customers, "messages": msg_id}


def add_messages(db, conversation_id: int, count: int, *, start_id: int, html: str = "", text_body: str = "") -> None:
    with db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO message(id, account_id, external_id, conversation_id, direction, author_name, text, html,"
            " sent_at) VALUES (?, 1, ?, ?, ?, 'Someone', ?, ?, ?)",
            [(start_id + i, f"bulk{start_id + i}", conversation_id, "in" if i % 2 else "out",
              text_body or f"bulk message {i} 😀", html, NOW + i) for i in range(count)])

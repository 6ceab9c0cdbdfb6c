"""A cache holding a floor: one hub account, agents (the first is me, an administrator) and conversations with
known statuses, waits and SLA deadlines, by plain INSERTs at a pinned time."""

from __future__ import annotations

NOW = 1748865600  # 2025-06-02 12:00 UTC
CHANNELS = ("web_chat", "email", "whatsapp")


def fill_floor(db, *, agents: int = 3, per_agent: int = 4, unassigned: int = 3, now: int = NOW) -> None:
    """Agent k (1-based) holds ``per_agent`` conversations: open waiting since now - k*600 (the customer
    wrote last), open answered, pending, snoozed, then more open ones; ``unassigned`` open ones wait
    since now - (j+1)*300 on channel CHANNELS[j % 3]. Deadlines: each agent's first one is due at
    now + 30 s (web chat: at risk), the first unassigned one at now - 10 (breaching)."""
    with db.write() as conn:
        x = conn.exec_driver_sql
        x("INSERT INTO account(id, kind, name, base_url, state, last_sync, created_at) VALUES"
          " (1, 'chatwoot', 'Hub', 'http://127.0.0.1:9', 'online', ?, ?)", (now, now))
        x("INSERT INTO agent(id, account_id, external_id, name, email, role, is_me) VALUES"
          " (1, 1, '1', 'Ada Admin', 'ada@example.com', 'administrator', 1)")
        for k in range(2, agents + 1):
            x("INSERT INTO agent(id, account_id, external_id, name, email, role, is_me) VALUES (?, 1, ?, ?, ?,"
              " 'agent', 0)", (k, str(k), f"Agent {k:03d}", f"a{k}@example.com"))
        conv = message = 0

        def conversation(assignee, status, channel, waiting_since, answered, due) -> None:
            nonlocal conv, message
            conv += 1
            x("INSERT INTO conversation(id, account_id, external_id, channel, subject, status, assignee_id,"
              " created_at, updated_at, last_message_at, sla_due_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              (conv, str(conv), channel, f"Question {conv}", status, assignee, waiting_since - 60, waiting_since,
               waiting_since, due))
            for direction, at in [("in", waiting_since)] + ([("out", waiting_since + 30)] if answered else []):
                message += 1
                x("INSERT INTO message(id, account_id, external_id, conversation_id, direction, text, sent_at)"
                  " VALUES (?, 1, ?, ?, ?, 'hi', ?)", (message, f"m{message}", conv, direction, at))

        for k in range(1, agents + 1):
            kinds = [("open", False), ("open", True), ("pending", True), ("snoozed", False)]
            for j in range(per_agent):
                status, answered = kinds[j] if j < len(kinds) else ("open", True)
                due = now + 30 if j == 0 else None
                conversation(k, status, "web_chat", now - k * 600 - j, answered, due)
        for j in range(unassigned):
            conversation(None, "open", CHANNELS[j % 3], now - (j + 1) * 300, False, now - 10 if j == 0 else None)

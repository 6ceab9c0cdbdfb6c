"""store.thread_rows: the thread view's reads: the conversation's header with names, its messages (or a
customer's across conversations) page by page oldest first with their attachments, and downloads recorded."""

from __future__ import annotations

import pytest

from deskapp.store import thread_rows as rows
from tests.faults.seed import seed_cache


@pytest.fixture
def seeded(db):
    found = seed_cache(db, conversations=2)
    account, (first, second) = found["account_id"], found["conversations"]
    with db.write() as conn:
        customer = conn.exec_driver_sql("INSERT INTO customer (name) VALUES ('Ana Lima') RETURNING id").scalar()
        conn.exec_driver_sql("UPDATE conversation SET customer_id = ?, assignee_id = ?, team_id = ?, subject = 'Zip',"
                             " labels = '[\"vip\", 7]' WHERE id = ?",
                             (customer, found["agents"]["a1"], found["team_id"], first))
        conn.exec_driver_sql("UPDATE conversation SET customer_id = ?, labels = 'not json' WHERE id = ?",
                             (customer, second))
        ids = []
        for i in range(5):
            ids.append(conn.exec_driver_sql(
                "INSERT INTO message (account_id, external_id, conversation_id, direction, text, sent_at,"
                " has_attachments) VALUES (?, ?, ?, 'in', ?, ?, ?) RETURNING id",
                (account, f"m{i}", first if i < 4 else second, f"message {i}", 100 + i, int(i == 1))).scalar())
        attachment = conn.exec_driver_sql("INSERT INTO attachment (message_id, filename, content_type, size, url)"
                                          " VALUES (?, 'photo.jpg', 'image/jpeg', 2048, 'https://hub/1') RETURNING id",
                                          (ids[1],)).scalar()
    return found | {"customer": customer, "messages": ids, "attachment": attachment}


def test_the_header_names_the_customer_assignee_and_team(db, seeded):
    first, second = seeded["conversations"]
    head = rows.header(db, first)
    assert (head.customer, head.assignee, head.team, head.subject) == ("Ana Lima", "Me Agent", "Support", "Zip")
    assert head.labels == ["vip", "7"]
    other = rows.header(db, second)
    assert other.labels == [] and other.assignee == "" and other.customer == "Ana Lima"  # damaged labels: none
    assert rows.header(db, 99_999) is None


def test_messages_page_by_page_oldest_first_with_the_total(db, seeded):
    first = seeded["conversations"][0]
    newest, total = rows.conversation_messages(db, first, 2, 0)
    assert total == 4 and [m.text for m in newest] == ["message 2", "message 3"]
    older, _ = rows.conversation_messages(db, first, 2, 2)
    assert [m.text for m in older] == ["message 0", "message 1"]
    assert older[1].attachments[0].filename == "photo.jpg" and older[0].attachments == []
    everything, _ = rows.conversation_messages(db, first, None, 0)
    assert len(everything) == 4
    assert rows.conversation_messages(db, first, 2, -5)[0] == newest  # a negative offset reads from the newest
    assert rows.conversation_messages(db, 99_999, 10, 0) == ([], 0)


def test_a_customers_messages_across_conversations(db, seeded):
    found, total = rows.customer_messages(db, seeded["customer"], 10, 0)
    assert total == 5 and [m.text for m in found][-1] == "message 4"


def test_an_attachment_and_its_download_recorded(db, seeded):
    rows.record_download(db, seeded["attachment"], "/data/attachments/ab/photo.jpg", "ab" * 32, "image/png")
    info = rows.attachment(db, seeded["attachment"])
    assert (info.local_path, info.content_type) == ("/data/attachments/ab/photo.jpg", "image/png")
    assert rows.attachment(db, 99_999) is None

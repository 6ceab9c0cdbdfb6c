"""store.attachment_rows: a message's attachments as stored, and one by id, for services.attachments."""

from __future__ import annotations

from deskapp.store.attachment_rows import StoredAttachment, by_id, of_message
from tests.faults.seed import seed_cache


def message_with(db, attachments: list[tuple]) -> int:
    seeded = seed_cache(db, conversations=1)
    with db.write() as conn:
        message_id = conn.exec_driver_sql(
            "INSERT INTO message (account_id, external_id, conversation_id, direction, sent_at, has_attachments)"
            " VALUES (?, 'm1', ?, 'in', 1700000000, 1) RETURNING id",
            (seeded["account_id"], seeded["conversations"][0])).scalar()
        for filename, content_type, size, url, sha in attachments:
            conn.exec_driver_sql(
                "INSERT INTO attachment (message_id, filename, content_type, size, url, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?)", (message_id, filename, content_type, size, url, sha))
    return message_id


def test_a_messages_attachments_in_the_order_they_were_stored(db):
    message_id = message_with(db, [("invoice.pdf", "application/pdf", 120_000, "https://hub/1", "ab" * 32),
                                   ("logo.png", "image/png", 2_000, "cid:logo@mail", "")])
    found = of_message(db, message_id)
    assert [(a.filename, a.content_type, a.size, a.url) for a in found] == [
        ("invoice.pdf", "application/pdf", 120_000, "https://hub/1"), ("logo.png", "image/png", 2_000, "cid:logo@mail")]
    assert all(isinstance(a, StoredAttachment) and a.message_id == message_id for a in found)
    assert by_id(db, found[1].id) == found[1]


def test_unknown_ids_give_nothing_rather_than_an_error(db):
    message_id = message_with(db, [])
    assert of_message(db, message_id) == []
    assert of_message(db, message_id + 1000) == []
    assert by_id(db, 424242) is None


def test_a_hostile_file_name_comes_back_as_it_was_stored(db):
    name = "../../etc/passwd\u202egpj.exe"
    message_id = message_with(db, [(name, "application/octet-stream", 0, "", "")])
    (stored,) = of_message(db, message_id)
    assert stored.filename == name  # made safe where it is saved to disk, not silently changed here

"""store.mail_threads: the email preprocessor's reads and writes of mail places and mail conversations — a place
keeps its fingerprint until a body is known, flags report a change only when they change, unread is recounted
from \\Seen, emptied conversations go, lookups of thousands of keys (past SQLite's variable limit) work."""

from __future__ import annotations

from deskapp.store import mail_threads as threads
from tests.faults.seed import seed_cache

T0 = 1_772_368_200


def place(account_id, uid, *, key=None, folder="INBOX", conv="c1", rfc=None, subject="order 1042",
          counterpart="zoe@customer.example", inbound=1, flags="", content="h1", sent_at=T0, validity=7):
    return (account_id, folder, key or f"mid:m{uid}@x", uid, validity, rfc or f"<m{uid}@x>", None, "",
            subject, counterpart, conv, sent_at + uid, inbound, flags, content)


def mailbox(db, conversations=("c1", "c2")) -> tuple[int, dict[str, int]]:
    account_id = seed_cache(db, conversations=0, account_kind="imap_smtp")["account_id"]
    ids = {}
    with db.write() as conn:
        for ext in conversations:
            ids[ext] = conn.exec_driver_sql(
                "INSERT INTO conversation (account_id, external_id, channel, status, created_at, updated_at)"
                " VALUES (?, ?, 'email', 'resolved', ?, ?) RETURNING id", (account_id, ext, T0, T0)).scalar()
    return account_id, ids


def add_message(conn, account_id, conversation_id, key):
    return conn.exec_driver_sql(
        "INSERT INTO message (account_id, external_id, conversation_id, direction, text, sent_at)"
        " VALUES (?, ?, ?, 'in', 'hello', ?) RETURNING id", (account_id, key, conversation_id, T0)).scalar()


def test_places_are_found_by_key_message_id_and_subject(db):
    account_id, ids = mailbox(db)
    with db.write() as conn:
        threads.upsert_places(conn, [place(account_id, 1), place(account_id, 2, conv="c2", subject="refund")])
        threads.upsert_places(conn, [])
        assert threads.conversations_of(conn, account_id, ["mid:m1@x", "mid:m2@x", "mid:none"]) == {
            "mid:m1@x": "c1", "mid:m2@x": "c2"}
        assert threads.by_rfc_message_id(conn, account_id, ["<m2@x>", "<m2@x>"]) == [
            ("<m2@x>", "c2", "zoe@customer.example", T0 + 2)]
        assert [r[2] for r in threads.by_subject(conn, account_id, ["refund"])] == ["c2"]
        assert threads.named_conversations(conn, account_id, ["c1", "c9"]) == {"c1"}
        assert threads.existing_conversations(conn, account_id, ["c1", "c2", "c9"]) == {
            "c1": (ids["c1"], "resolved"), "c2": (ids["c2"], "resolved")}
        assert threads.conversations_of(conn, account_id + 1, ["mid:m1@x"]) == {}  # another account's
        assert threads.folder_places(conn, account_id, "INBOX") == [("mid:m1@x", 1, 7, "c1"), ("mid:m2@x", 2, 7, "c2")]


def test_a_place_keeps_its_fingerprint_until_a_body_is_known(db):
    account_id, _ = mailbox(db)
    with db.write() as conn:
        threads.upsert_places(conn, [place(account_id, 1, content="head1")])
        threads.upsert_places(conn, [place(account_id, 1, content="head2", flags="\\Seen", conv="c2")])
        row = conn.exec_driver_sql("SELECT content, flags, conversation_external_id FROM mail_header").one()
        assert tuple(row) == ("head1", "\\Seen", "c2")  # headers only again: the kept fingerprint stays
        threads.upsert_places(conn, [place(account_id, 1, content="head1.body1")])
        assert conn.exec_driver_sql("SELECT content FROM mail_header").scalar() == "head1.body1"
        threads.upsert_places(conn, [place(account_id, 2, content="")])
        threads.upsert_places(conn, [place(account_id, 2, content="head3")])  # '' was unknown: replaced
        assert conn.exec_driver_sql("SELECT content FROM mail_header WHERE uid = 2").scalar() == "head3"


def test_flags_report_only_a_change(db):
    account_id, _ = mailbox(db)
    with db.write() as conn:
        threads.upsert_places(conn, [place(account_id, 1)])
        assert threads.set_flags(conn, account_id, "INBOX", 7, 1, "\\Seen") == "c1"
        assert threads.set_flags(conn, account_id, "INBOX", 7, 1, "\\Seen") is None
        assert threads.set_flags(conn, account_id, "INBOX", 8, 1, "") is None  # another UIDVALIDITY: no place
        assert threads.set_flags(conn, account_id, "Sent", 7, 1, "") is None


def test_unread_counts_inbound_places_without_seen_once_per_message(db):
    account_id, _ = mailbox(db)
    with db.write() as conn:
        threads.upsert_places(conn, [
            place(account_id, 1), place(account_id, 2, flags="\\Seen \\Flagged"),
            place(account_id, 3, flags="\\Flagged"), place(account_id, 4, inbound=0),
            place(account_id, 5, key="mid:m1@x", folder="Archive"),  # the same message in two folders
            place(account_id, 6, flags="\\Seenish"),  # not the \\Seen flag
        ])
        threads.recount_unread(conn, account_id, ["c1", "c2"])
        unread = dict(conn.exec_driver_sql("SELECT external_id, unread FROM conversation").all())
    assert unread == {"c1": 3, "c2": 0}


def test_reopen_and_add_unread(db):
    _account_id, ids = mailbox(db)
    with db.write() as conn:
        threads.reopen(conn, [ids["c1"]], T0 + 60)
        threads.reopen(conn, [], T0 + 60)
        threads.add_unread(conn, [(ids["c1"], 2), (ids["c2"], 1)])
        threads.add_unread(conn, [])
        row = conn.exec_driver_sql("SELECT status, updated_at, unread, resolved_at FROM conversation WHERE id = ?",
                                   (ids["c1"],)).one()
        assert tuple(row) == ("open", T0 + 60, 2, None)
        row = conn.exec_driver_sql("SELECT status, unread FROM conversation WHERE id = ?", (ids["c2"],)).one()
        assert tuple(row) == ("resolved", 1)  # not reopened: only the conversations named are
        threads.reopen(conn, [ids["c1"]], T0 - 999)  # an older event never moves updated_at back
        updated = conn.exec_driver_sql("SELECT updated_at FROM conversation WHERE id = ?", (ids["c1"],)).scalar()
        assert updated == T0 + 60
        events = conn.exec_driver_sql("SELECT kind, at FROM conversation_event WHERE conversation_id = ? ORDER BY id",
                                      (ids["c1"],)).all()
        assert [tuple(e) for e in events] == [("reopened", T0 + 60), ("reopened", T0 - 999)]


def test_deleting_places_messages_and_the_conversations_they_empty(db):
    account_id, ids = mailbox(db)
    with db.write() as conn:
        threads.upsert_places(conn, [place(account_id, 1), place(account_id, 2, conv="c2")])
        add_message(conn, account_id, ids["c1"], "mid:m1@x")
        add_message(conn, account_id, ids["c2"], "mid:m2@x")
        add_message(conn, account_id, ids["c2"], "mid:kept@x")
        threads.delete_places(conn, account_id, "INBOX", [(7, 1), (7, 2), (9, 9)])
        threads.delete_places(conn, account_id, "INBOX", [])
        assert threads.placed_messages(conn, account_id, ["mid:m1@x", "mid:m2@x"]) == set()
        keys = ["mid:m1@x", "mid:m2@x"]
        assert threads.held_messages(conn, account_id, keys) == set(keys)
        conversations = threads.conversation_ids_of_messages(conn, account_id, keys)
        assert sorted(conversations) == sorted(ids.values())
        threads.delete_messages(conn, account_id, keys)
        threads.delete_empty_conversations(conn, conversations)
        left = conn.exec_driver_sql("SELECT external_id FROM conversation").scalars().all()
    assert left == ["c2"]  # it still holds a message


def test_lookups_past_sqlites_variable_limit(db):
    account_id, _ = mailbox(db)
    rows = [place(account_id, uid, conv=f"c{uid % 2 + 1}") for uid in range(1, 2_501)]
    with db.write() as conn:
        threads.upsert_places(conn, rows)
        keys = [f"mid:m{uid}@x" for uid in range(1, 3_001)]
        assert len(threads.conversations_of(conn, account_id, keys)) == 2_500
        assert len(threads.placed_messages(conn, account_id, keys + keys)) == 2_500


def test_attachments_without_a_local_file_are_linked(db):
    account_id, ids = mailbox(db)
    with db.write() as conn:
        message_id = add_message(conn, account_id, ids["c1"], "mid:a@x")
        for name, sha in (("photo.png", "ab" * 32), ("nohash.pdf", ""), ("kept.txt", "cd" * 32)):
            conn.exec_driver_sql("INSERT INTO attachment (message_id, filename, content_type, size, url, sha256)"
                                 " VALUES (?, ?, 'x/y', 1, '', ?)", (message_id, name, sha))
        conn.exec_driver_sql("UPDATE attachment SET local_path = 'kept' WHERE filename = 'kept.txt'")
        found = threads.unlinked_attachments(conn, account_id, [ids["c1"], ids["c2"]])
        assert [(sha, name) for _, sha, name in found] == [("ab" * 32, "photo.png")]
        threads.set_local_paths(conn, [("blobs/ab", found[0][0])])
        threads.set_local_paths(conn, [])
        assert threads.unlinked_attachments(conn, account_id, [ids["c1"]]) == []

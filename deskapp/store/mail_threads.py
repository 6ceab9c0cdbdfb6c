"""Reads and writes of mail_header and the mail conversations, for the email preprocessor
(sync.mail_threading), inside the caller's write transaction: where messages are threaded, reopening,
flag changes, places gone from a folder, unread counts, and links to the attachment bytes held."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from deskapp.store.ingest_util import chunks


def _select_in(conn: Connection, sql: str, account_id: int, values: Sequence[str | int]) -> list[Any]:
    """Rows of ``sql`` (with ``{marks}`` for the list) for the distinct ``values``, a chunk at a time."""
    rows: list[Any] = []
    for chunk in chunks(list(dict.fromkeys(values))):
        rows.extend(conn.exec_driver_sql(sql.format(marks=",".join("?" * len(chunk))), (account_id, *chunk)).all())
    return rows


# --- threading ---------------------------------------------------------------------------------


def conversations_of(conn: Connection, account_id: int, message_keys: list[str]) -> dict[str, str]:
    """{message external id: conversation external id} of the messages among these already threaded."""
    return dict(_select_in(conn, "SELECT message_external_id, conversation_external_id FROM mail_header"
                                 " WHERE account_id = ? AND message_external_id IN ({marks})",
                           account_id, message_keys))


def held_messages(conn: Connection, account_id: int, message_keys: list[str]) -> set[str]:
    """The messages among these whose row (with its body) the cache holds."""
    return {row[0] for row in _select_in(conn, "SELECT external_id FROM message WHERE account_id = ?"
                                               " AND external_id IN ({marks})", account_id, message_keys)}


def by_rfc_message_id(conn: Connection, account_id: int, rfc_ids: list[str]) -> list[tuple[str, str, str, int]]:
    """(Message-ID, conversation external id, counterpart, sent at) of every place carrying these ids."""
    return _select_in(conn, "SELECT rfc_message_id, conversation_external_id, counterpart, sent_at FROM mail_header"
                            " WHERE account_id = ? AND rfc_message_id IN ({marks})", account_id, rfc_ids)


def named_conversations(conn: Connection, account_id: int, names: list[str]) -> set[str]:
    """The conversation external ids among ``names`` that some threaded message already belongs to."""
    return {row[0] for row in _select_in(
        conn, "SELECT DISTINCT conversation_external_id FROM mail_header WHERE account_id = ?"
              " AND conversation_external_id IN ({marks})", account_id, names)}


def by_subject(conn: Connection, account_id: int, subject_keys: list[str]) -> list[tuple[str, str, str, int]]:
    """(subject key, counterpart, conversation external id, sent at) of the places with these subjects."""
    return _select_in(conn, "SELECT subject_key, counterpart, conversation_external_id, sent_at FROM mail_header"
                            " WHERE account_id = ? AND subject_key IN ({marks})", account_id, subject_keys)


def existing_conversations(conn: Connection, account_id: int, external_ids: list[str]) -> dict[str, tuple[int, str]]:
    """(row id, status) of each conversation among these that the cache holds."""
    return {row[0]: (row[1], row[2]) for row in _select_in(
        conn, "SELECT external_id, id, status FROM conversation WHERE account_id = ? AND external_id IN ({marks})",
        account_id, external_ids)}


def upsert_places(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Writes places; each row is (account_id, folder, message_external_id, uid, uidvalidity, rfc_message_id,
    in_reply_to, refs, subject_key, counterpart, conversation_external_id, sent_at, inbound, flags, content)."""
    if not rows:
        return
    conn.exec_driver_sql(
        "INSERT INTO mail_header (account_id, folder, message_external_id, uid, uidvalidity, rfc_message_id,"
        " in_reply_to, refs, subject_key, counterpart, conversation_external_id, sent_at, inbound, flags, content)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        # a place keeps its message unless its body showed another one (sync.mail_identity)
        " ON CONFLICT(account_id, folder, uidvalidity, uid) DO UPDATE SET flags = excluded.flags,"
        " message_external_id = excluded.message_external_id,"
        " conversation_external_id = excluded.conversation_external_id,"
        " content = CASE WHEN instr(excluded.content, '.') > 0 OR mail_header.content = '' THEN excluded.content"
        " ELSE mail_header.content END",
        rows,
    )


def reopen(conn: Connection, conversation_ids: Sequence[int], now: int) -> None:
    """Opens these resolved or snoozed conversations and records the event for each."""
    if not conversation_ids:
        return
    conn.exec_driver_sql("UPDATE conversation SET status = 'open', resolved_at = NULL, snoozed_until = NULL,"
                         " updated_at = max(updated_at, ?) WHERE id = ?", [(now, c) for c in conversation_ids])
    conn.exec_driver_sql("INSERT INTO conversation_event (conversation_id, kind, at, value)"
                         " VALUES (?, 'reopened', ?, 'open')", [(c, now) for c in conversation_ids])


def add_unread(conn: Connection, counts: Sequence[tuple[int, int]]) -> None:
    """Adds to the unread count of conversations: (row id, how many) each."""
    if counts:
        conn.exec_driver_sql("UPDATE conversation SET unread = unread + ? WHERE id = ?",
                             [(count, conversation_id) for conversation_id, count in counts])


# --- flags and deletions -----------------------------------------------------------------------


def set_flags(conn: Connection, account_id: int, folder: str, uidvalidity: int, uid: int, flags: str) -> str | None:
    """Writes a place's flags; the conversation external id when they changed, else None."""
    row = conn.exec_driver_sql(
        "UPDATE mail_header SET flags = ? WHERE account_id = ? AND folder = ? AND uid = ? AND uidvalidity = ?"
        " AND flags IS NOT ? RETURNING conversation_external_id",
        (flags, account_id, folder, uid, uidvalidity, flags)).first()
    return None if row is None else row[0]


def folder_places(conn: Connection, account_id: int, folder: str) -> list[tuple[str, int, int, str]]:
    """(message external id, uid, uidvalidity, conversation external id) of every place in the folder."""
    return [tuple(row) for row in conn.exec_driver_sql(
        "SELECT message_external_id, uid, uidvalidity, conversation_external_id FROM mail_header"
        " WHERE account_id = ? AND folder = ?", (account_id, folder)).all()]


def delete_places(conn: Connection, account_id: int, folder: str, places: list[tuple[int, int]]) -> None:
    """Drops places given as (uidvalidity, uid)."""
    if places:
        conn.exec_driver_sql(
            "DELETE FROM mail_header WHERE account_id = ? AND folder = ? AND uidvalidity = ? AND uid = ?",
            [(account_id, folder, validity, uid) for validity, uid in places])


def placed_messages(conn: Connection, account_id: int, message_keys: list[str]) -> set[str]:
    """The messages among these that some place on the server still shows."""
    return {row[0] for row in _select_in(
        conn, "SELECT message_external_id FROM mail_header WHERE account_id = ? AND message_external_id IN ({marks})",
        account_id, message_keys)}


def conversation_ids_of_messages(conn: Connection, account_id: int, message_keys: list[str]) -> list[int]:
    return [row[0] for row in _select_in(
        conn, "SELECT DISTINCT conversation_id FROM message WHERE account_id = ? AND external_id IN ({marks})",
        account_id, message_keys)]


def delete_messages(conn: Connection, account_id: int, message_keys: list[str]) -> None:
    for chunk in chunks(message_keys):
        marks = ",".join("?" * len(chunk))
        conn.exec_driver_sql(f"DELETE FROM message WHERE account_id = ? AND external_id IN ({marks})",
                             (account_id, *chunk))


def delete_empty_conversations(conn: Connection, conversation_ids: list[int]) -> None:
    """Deletes those of these conversations that have no message left."""
    for chunk in chunks(conversation_ids):
        conn.exec_driver_sql(
            f"DELETE FROM conversation WHERE id IN ({','.join('?' * len(chunk))})"
            " AND NOT EXISTS (SELECT 1 FROM message m WHERE m.conversation_id = conversation.id)", tuple(chunk))


def recount_unread(conn: Connection, account_id: int, conversations: list[str]) -> None:
    """Sets each conversation's unread count to its inbound messages without the \\Seen flag."""
    for chunk in chunks(conversations):
        conn.exec_driver_sql(
            "UPDATE conversation SET unread = (SELECT count(DISTINCT h.message_external_id) FROM mail_header h"
            " WHERE h.account_id = conversation.account_id AND h.conversation_external_id = conversation.external_id"
            " AND h.inbound = 1 AND (' ' || h.flags || ' ') NOT LIKE '% \\Seen %')"
            f" WHERE account_id = ? AND external_id IN ({','.join('?' * len(chunk))})", (account_id, *chunk))


# --- attachments -------------------------------------------------------------------------------


def unlinked_attachments(conn: Connection, account_id: int, conversation_ids: list[int]) -> list[tuple[int, str, str]]:
    """(id, sha256, filename) of the attachments in these conversations with a hash and no local file."""
    return _select_in(
        conn, "SELECT a.id, a.sha256, a.filename FROM attachment a JOIN message m ON m.id = a.message_id"
              " WHERE a.local_path IS NULL AND a.sha256 != '' AND m.account_id = ?"
              " AND m.conversation_id IN ({marks})", account_id, conversation_ids)


def set_local_paths(conn: Connection, paths: list[tuple[str, int]]) -> None:
    """Writes (local path, attachment id) pairs."""
    if paths:
        conn.exec_driver_sql("UPDATE attachment SET local_path = ? WHERE id = ?", paths)

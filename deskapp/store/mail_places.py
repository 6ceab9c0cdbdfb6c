"""Reads of mail_header for the email preprocessor's identity step: the places on the server that hold
a message, found by place, by Message-ID, or by message id (messages without a Message-ID)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection

from deskapp.store.ingest_util import chunks


class Holder(NamedTuple):
    """A place that holds a message: enough to tell a true copy from a message sharing its Message-ID."""

    folder: str
    uidvalidity: int
    uid: int
    message_external_id: str
    rfc_message_id: str | None
    content: str


_COLUMNS = "folder, uidvalidity, uid, message_external_id, rfc_message_id, content"


def at_places(conn: Connection, account_id: int, places: list[tuple[str, int, int]]) -> list[Holder]:
    """The rows of the places we hold already among ``places`` (folder, uidvalidity, uid)."""
    by_folder: dict[tuple[str, int], list[int]] = {}
    for folder, validity, uid in places:
        by_folder.setdefault((folder, validity), []).append(uid)
    found: list[Holder] = []
    for (folder, validity), uids in sorted(by_folder.items()):
        for chunk in chunks(sorted(set(uids))):
            found += [Holder(*row) for row in conn.exec_driver_sql(
                f"SELECT {_COLUMNS} FROM mail_header WHERE account_id = ? AND folder = ? AND uidvalidity = ?"
                f" AND uid IN ({','.join('?' * len(chunk))})", (account_id, folder, validity, *chunk)).all()]
    return found


def holders(conn: Connection, account_id: int, *, rfc_message_ids: list[str], keys: list[str],
            key_prefixes: list[str]) -> list[Holder]:
    """Places holding one of these Message-IDs or messages, or a message whose id is one of ``key_prefixes``
    or starts with it and "#" (the names of messages without a Message-ID, mapping.message_keys)."""
    found: set[Holder] = set()
    for column, values in (("rfc_message_id", rfc_message_ids), ("message_external_id", keys)):
        for chunk in chunks(sorted(set(values))):
            found.update(Holder(*row) for row in conn.exec_driver_sql(
                f"SELECT {_COLUMNS} FROM mail_header WHERE account_id = ? AND {column}"
                f" IN ({','.join('?' * len(chunk))})", (account_id, *chunk)).all())
    for prefix in sorted(set(key_prefixes)):  # "$" sorts right after "#": a range on the message index
        found.update(Holder(*row) for row in conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM mail_header WHERE account_id = ? AND message_external_id >= ?"
            " AND message_external_id < ?", (account_id, prefix, prefix + "$")).all())
    return sorted(found)

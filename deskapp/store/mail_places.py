"""Reads of mail_header for the email preprocessor's identity step: the places on the server that hold
a message, found by place, by Message-ID, by message id or (messages without an id) by content."""

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
    wanted = set(places)
    found: list[Holder] = []
    for chunk in chunks(sorted({uid for _folder, _validity, uid in wanted})):
        marks = ",".join("?" * len(chunk))
        found += [h for h in (Holder(*row) for row in conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM mail_header WHERE account_id = ? AND uid IN ({marks})", (account_id, *chunk)))
            if (h.folder, h.uidvalidity, h.uid) in wanted]
    return found


def holders(conn: Connection, account_id: int, *, rfc_message_ids: list[str], keys: list[str],
            contents_without_id: list[str]) -> list[Holder]:
    """Places holding one of these Message-IDs or messages, or a message without Message-ID whose
    header fingerprint (the part of ``content`` before ".") is one of ``contents_without_id``."""
    found: set[Holder] = set()
    for where, values in (("rfc_message_id IN ({marks})", rfc_message_ids),
                          ("message_external_id IN ({marks})", keys),
                          ("rfc_message_id IS NULL AND substr(content, 1, 32) IN ({marks})", contents_without_id)):
        for chunk in chunks(sorted(set(values))):
            found.update(Holder(*row) for row in conn.exec_driver_sql(
                f"SELECT {_COLUMNS} FROM mail_header WHERE account_id = ? AND "
                + where.format(marks=",".join("?" * len(chunk))), (account_id, *chunk)).all())
    return sorted(found)

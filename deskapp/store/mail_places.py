"""Reads of mail_header for the email preprocessor's identity step: which message a known place on the
server shows, and which places already hold a Message-ID or a message id."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection

from deskapp.store.ingest_util import chunks


class Holder(NamedTuple):
    """A place that holds a message: enough to tell a true copy from a message sharing its Message-ID."""

    rfc_message_id: str | None
    content: str
    message_external_id: str
    folder: str
    uidvalidity: int


def messages_at(conn: Connection, account_id: int,
                places: list[tuple[str, int, int]]) -> dict[tuple[str, int, int], str]:
    """{(folder, uidvalidity, uid): message external id} of the places we hold already."""
    wanted = set(places)
    found: dict[tuple[str, int, int], str] = {}
    for chunk in chunks(sorted({uid for _folder, _validity, uid in wanted})):
        marks = ",".join("?" * len(chunk))
        for folder, validity, uid, key in conn.exec_driver_sql(
                "SELECT folder, uidvalidity, uid, message_external_id FROM mail_header"
                f" WHERE account_id = ? AND uid IN ({marks})", (account_id, *chunk)).all():
            if (folder, validity, uid) in wanted:
                found[(folder, validity, uid)] = key
    return found


def holders(conn: Connection, account_id: int, rfc_message_ids: list[str], keys: list[str]) -> list[Holder]:
    """Places holding one of these Message-IDs, or one of these messages."""
    found: set[Holder] = set()
    for column, values in (("rfc_message_id", rfc_message_ids), ("message_external_id", keys)):
        for chunk in chunks(sorted(set(values))):
            marks = ",".join("?" * len(chunk))
            found.update(Holder(*row) for row in conn.exec_driver_sql(
                "SELECT rfc_message_id, content, message_external_id, folder, uidvalidity FROM mail_header"
                f" WHERE account_id = ? AND {column} IN ({marks})", (account_id, *chunk)).all())
    return sorted(found, key=lambda h: (h.folder, h.uidvalidity, h.message_external_id))

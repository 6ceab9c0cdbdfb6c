"""Messages the email sync could not import, kept per place on the server with the reason and the raw
source: written by the email preprocessor, read by the mail services (listing, saving the source)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from deskapp.domain.mail import MailImportFailed
from deskapp.store.ingest_util import chunks, many


@dataclass(frozen=True)
class ImportFailure:
    """One message the sync could not import (the raw source is read on demand: it may be large)."""

    id: int
    account_id: int
    folder: str
    uid: int
    reason: str
    attempts: int
    raw_size: int
    first_failed_at: int
    last_failed_at: int


def record(conn: Connection, account_id: int, failures: list[MailImportFailed], now: int) -> None:
    """Adds or updates the failures; an attempt that got no source keeps the one an earlier attempt got."""
    many(conn,
         "INSERT INTO mail_import_failure (account_id, folder, uidvalidity, uid, reason, raw, attempts,"
         " first_failed_at, last_failed_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)"
         " ON CONFLICT(account_id, folder, uidvalidity, uid) DO UPDATE SET reason = excluded.reason,"
         " raw = CASE WHEN length(excluded.raw) > 0 THEN excluded.raw ELSE mail_import_failure.raw END,"
         " attempts = mail_import_failure.attempts + 1, last_failed_at = excluded.last_failed_at",
         [(account_id, f.folder, f.uidvalidity, f.uid, f.reason[:2000], f.raw, now, now) for f in failures])


def clear(conn: Connection, account_id: int, places: list[tuple[str, int, int]]) -> None:
    """These places imported now."""
    many(conn, "DELETE FROM mail_import_failure WHERE account_id = ? AND folder = ? AND uidvalidity = ? AND uid = ?",
         [(account_id, *place) for place in places])


def clear_gone(conn: Connection, account_id: int, folder: str, uidvalidity: int, uids: frozenset[int]) -> None:
    """Messages no longer in the folder (deleted, or the folder's UIDVALIDITY changed) are no failure."""
    rows = conn.exec_driver_sql("SELECT id, uidvalidity, uid FROM mail_import_failure WHERE account_id = ?"
                                " AND folder = ?", (account_id, folder)).all()
    gone = [row_id for row_id, validity, uid in rows if validity != uidvalidity or uid not in uids]
    for chunk in chunks(gone):
        conn.exec_driver_sql(f"DELETE FROM mail_import_failure WHERE id IN ({','.join('?' * len(chunk))})",
                             tuple(chunk))


def count(conn: Connection, account_id: int) -> int:
    return conn.exec_driver_sql("SELECT count(*) FROM mail_import_failure WHERE account_id = ?",
                                (account_id,)).scalar() or 0


def list_failures(conn: Connection, account_id: int | None = None) -> list[ImportFailure]:
    where, params = ("WHERE account_id = ?", (account_id,)) if account_id is not None else ("", ())
    return [ImportFailure(*row) for row in conn.exec_driver_sql(
        "SELECT id, account_id, folder, uid, reason, attempts, length(raw), first_failed_at, last_failed_at"
        f" FROM mail_import_failure {where} ORDER BY account_id, folder, uid", params).all()]


def raw_source(conn: Connection, failure_id: int) -> bytes | None:
    """The message as the server gave it (b"" when it gave nothing), None for an unknown failure."""
    row = conn.exec_driver_sql("SELECT raw FROM mail_import_failure WHERE id = ?", (failure_id,)).first()
    return bytes(row[0]) if row is not None else None

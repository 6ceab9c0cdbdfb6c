"""Messages a mailbox sync could not import, for the UI and the command line: each with its folder,
UID and reason, and its raw source (what the server gave) written to a file for the agent to open
or keep. The sync fetches each of them again on every pass until it imports or leaves the server."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from deskapp.store import mail_failures
from deskapp.store.engine import Database
from deskapp.store.mail_blobs import safe_filename
from deskapp.store.mail_failures import ImportFailure

__all__ = ["ImportFailure", "MailProblemError", "import_failures", "save_raw_source"]


class MailProblemError(Exception):
    """The failure is gone (imported since, or deleted on the server) or has no source to save."""


def import_failures(db: Database, account_id: int | None = None) -> list[ImportFailure]:
    """The messages not imported, of one account or of all."""
    with db.read() as conn:
        return mail_failures.list_failures(conn, account_id)


def raw_source_name(failure: ImportFailure) -> str:
    return safe_filename(f"account{failure.account_id}-{failure.folder}-uid{failure.uid}.eml")


def save_raw_source(db: Database, failure: ImportFailure, folder: Path) -> Path:
    """Writes the message's raw source into ``folder`` (as <account>-<folder>-<uid>.eml, which mail
    programs open) and returns the file; atomic, so a half-written file never carries the name."""
    with db.read() as conn:
        raw = mail_failures.raw_source(conn, failure.id)
    if raw is None:
        raise MailProblemError("this message is no longer waiting: it was imported or left the server")
    if not raw:
        raise MailProblemError("the server gave nothing of this message; open it in another mail program")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / raw_source_name(failure)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

"""The durable profile file (profile.sqlite3): what only the agent wrote, for bootstrap and the services.

Accounts (their secrets stay in the keyring), the agent's own templates, saved views, drafts, triage
corrections and settings live here, beside the outbox and apart from the disposable cache, so a
damaged cache can be moved aside and rebuilt from the servers without losing any of it (docs/architecture.md, Outbox).
Every write is one transaction with ``synchronous=FULL``: once ``write()`` returns, the change
survives a kill -9 or a power cut. The schema is versioned (``PRAGMA user_version``, numbered steps
in store.profile_schema); an older file is copied aside before it is upgraded, a newer one is refused.
Each profile has a stable random identity (store.profile_identity) that names its keyring entries.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deskapp.store import profile_identity
from deskapp.store.migrate import backup
from deskapp.store.outbox import StorageError, storage_message
from deskapp.store.owner_only import create_owner_only, tighten_side_files
from deskapp.store.profile_schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)


class ProfileTooNew(StorageError):
    """The profile was written by a newer deskapp; opening it could lose what the agent wrote."""


class ProfileStore:
    """The profile file: one connection shared by the threads of this process behind a lock.

    Readers and writers of other processes (the app and a `deskapp` verb side by side) meet in WAL
    mode; ``BEGIN IMMEDIATE`` makes them take turns writing."""

    def __init__(self, path: str | os.PathLike[str], *, max_page_count: int | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            create_owner_only(self.path)
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(storage_message(exc, "profile")) from exc
        try:
            self._conn.row_factory = sqlite3.Row
            self._check_intact()
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=30000")
            if max_page_count is not None:  # tests: a tiny "disk" to provoke SQLITE_FULL
                self._conn.execute(f"PRAGMA max_page_count={int(max_page_count)}")
            existed = self.version > 0
            self._migrate()
            self.identity = self._identity(existed)
            tighten_side_files(self.path)
        except sqlite3.Error as exc:
            self._conn.close()
            raise StorageError(storage_message(exc, "profile")) from exc
        except BaseException:
            self._conn.close()
            raise

    # --- file and schema ---------------------------------------------------------------------------

    def _check_intact(self) -> None:
        """A damaged profile is never patched or replaced: the agent's work is in it."""
        try:
            verdict = "; ".join(str(r[0]) for r in self._conn.execute("PRAGMA quick_check").fetchall()[:5])
        except sqlite3.DatabaseError as exc:
            verdict = str(exc)
        if verdict != "ok":
            raise StorageError(
                f"The profile {self.path} is damaged ({verdict}). It holds your accounts, templates and "
                f"drafts, so deskapp leaves it as it is: restore it from a backup "
                f"({self.path.name}.*.bak beside it) or move it aside to start with an empty profile.")

    @property
    def version(self) -> int:
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.version
        if version > SCHEMA_VERSION:
            raise ProfileTooNew(
                f"The profile {self.path} was written by a newer deskapp (schema {version}); this version "
                f"knows schema {SCHEMA_VERSION}. Update deskapp: the file was left untouched.")
        if version == SCHEMA_VERSION:
            return
        if version > 0:
            saved = backup(self.path, f"before-v{SCHEMA_VERSION}")
            log.info("profile at schema %s copied to %s before upgrading", version, saved)
        for number in range(version + 1, SCHEMA_VERSION + 1):
            with self._lock:
                # executescript commits what came before; the step and its version land together.
                self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{MIGRATIONS[number - 1]}\nPRAGMA user_version={number};\nCOMMIT;")
        log.info("profile %s at schema %s", self.path, SCHEMA_VERSION)

    def _identity(self, existed: bool) -> str:
        """The profile's identity, created with the profile (or at the first open of one from before identities)."""
        with self.read() as conn:
            found = profile_identity.identity(conn)
        if found is None:
            with self.write() as conn:  # another process may have created it meanwhile: it is read again inside
                found = profile_identity.ensure_identity(conn, existed=existed)
        return found

    # --- transactions ------------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One durable write transaction: committed (and synced) on success, rolled back on any error.

        SQLite failures (disk full, read-only folder) come out as StorageError with a message for the agent."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(storage_message(exc, "profile")) from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:  # SQLITE_FULL and friends may have rolled back already
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StorageError(storage_message(exc, "profile")) from exc
                raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection for a few quick reads (the profile is small: no slow queries here)."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

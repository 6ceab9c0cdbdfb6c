"""The agent bot's own small state (a SQLite file of its own, not the desktop cache), for services.bot_service:
which webhook messages it has already handled and which conversations it has answered, so a webhook delivered
twice (or to two bot processes sharing the file) is acted on once and no conversation gets a second answer.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS handled_message (
    message_id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, decision TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS answered_conversation (conversation_id INTEGER PRIMARY KEY, at REAL NOT NULL);
"""


class BotState:
    """Claims are atomic (INSERT OR IGNORE on the primary key), so two processes on one file never both win."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def claim_message(self, message_id: int, conversation_id: int, now: float) -> bool:
        """True the first time this message is claimed; False for a duplicate delivery."""
        with self._lock:
            cur = self._db.execute("INSERT OR IGNORE INTO handled_message VALUES (?, ?, 'claimed', ?)",
                                   (message_id, conversation_id, now))
            return cur.rowcount == 1

    def release_message(self, message_id: int) -> None:
        """The message could not be handled (the hub failed): a redelivery may try again."""
        with self._lock:
            self._db.execute("DELETE FROM handled_message WHERE message_id = ?", (message_id,))

    def record_decision(self, message_id: int, decision: str) -> None:
        with self._lock:
            self._db.execute("UPDATE handled_message SET decision = ? WHERE message_id = ?", (decision, message_id))

    def claim_answer(self, conversation_id: int, now: float) -> bool:
        """True when the bot has not answered this conversation before (and now has the right to, once)."""
        with self._lock:
            cur = self._db.execute("INSERT OR IGNORE INTO answered_conversation VALUES (?, ?)", (conversation_id, now))
            return cur.rowcount == 1

    def release_answer(self, conversation_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM answered_conversation WHERE conversation_id = ?", (conversation_id,))

    def decisions(self) -> dict[int, str]:
        with self._lock:
            return dict(self._db.execute("SELECT message_id, decision FROM handled_message").fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()

"""The manual "work offline" switch as the replayer, sync and UI read it: the cache's copy of the setting.

The agent's choice is stored in the profile and copied here by services.profile.set_work_offline.
"""

from __future__ import annotations

from sqlalchemy import text

from deskapp.store.engine import Database

WORK_OFFLINE_KEY = "work_offline"


def is_work_offline(db: Database) -> bool:
    with db.read() as conn:
        value = conn.execute(text("SELECT value FROM setting WHERE key=:k"), {"k": WORK_OFFLINE_KEY}).scalar()
    return value == "1"

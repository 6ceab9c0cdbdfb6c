"""`AccountSchedule`: when a per-account chore of the sync engine's before-pull steps is due again (at most every
`every` seconds per account, sooner after a failure when asked); used by the hub-list and help-center steps."""

from __future__ import annotations

import threading
from collections.abc import Callable


class AccountSchedule:
    def __init__(self, every: float, clock: Callable[[], float]) -> None:
        self.every, self.clock = every, clock
        self._last: dict[int, float] = {}
        self._lock = threading.Lock()  # two engines' threads may ask for the same account at once

    def claim(self, account_id: int) -> float | None:
        """The clock's time, with the chore recorded as run for ``account_id`` then, if it is due; else None."""
        now = self.clock()
        with self._lock:
            if now - self._last.get(account_id, float("-inf")) < self.every:
                return None
            self._last[account_id] = now
        return now

    def retry_after(self, account_id: int, claimed_at: float, delay: float) -> None:
        """Make the chore claimed at ``claimed_at`` due again ``delay`` seconds after it (never later than usual)."""
        with self._lock:
            self._last[account_id] = claimed_at - self.every + min(delay, self.every)

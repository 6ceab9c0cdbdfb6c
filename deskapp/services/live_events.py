"""Real-time events of the hub accounts for the screens that show who is doing what (typing, presence, new
messages): `subscribe(callback)` and the callback runs as `callback(account_id, event_name, data)`.

Account ids are a cache's own, so two workspaces in one process (an agent's and a supervisor's, say) may both
have an account 1: a publisher names its `source` (the cache it syncs), and a subscriber that gives one hears
only the events of that source.

Callbacks run on the account's socket thread, in the hub's order, before the change (if it is data) is in the
cache: a screen hands the call to its own thread and reads the cache on the next sync event. `data` is the
hub's payload as Chatwoot broadcasts it (e.g. conversation.typing_on: {"conversation", "user", "is_private",
"account_id"}; presence.update: {"users": {user id: "online" | "busy"}, "contacts", "account_id"}), and the
socket's own state comes as event CABLE_STATE with {"live": bool, "reason": str}.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[[int, str, Any], object]  # what it returns is ignored
CABLE_STATE = "cable.state"  # not a hub event: the account's socket came up or went down

_lock = threading.Lock()
_listeners: list[tuple[Listener, object | None]] = []  # (callback, the source it hears; None: every one)


def subscribe(callback: Listener, *, source: object | None = None) -> Callable[[], None]:
    """Start telling `callback` (only what `source` publishes, if given); returns the function that stops it."""
    entry = (callback, source)
    with _lock:
        _listeners.append(entry)

    def unsubscribe() -> None:
        with _lock:
            if entry in _listeners:
                _listeners.remove(entry)

    return unsubscribe


def publish(account_id: int, event: str, data: Any, *, source: object | None = None) -> None:
    """Tell every subscriber of `source` (and those of every source); one that raises is logged and the others
    are still told."""
    with _lock:
        listeners = [callback for callback, heard in _listeners if heard is None or heard is source]
    for listener in listeners:
        try:
            listener(account_id, event, data)
        except Exception:
            log.exception("live event listener %r failed on %s", listener, event)

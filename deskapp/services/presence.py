"""Who is typing in which conversation and which agents are online, from the hub's live events, for the
thread's "Alex is typing…" line and the supervisor's floor.

``PresenceBoard.on_event(account_id, event_name, data)`` takes Chatwoot's ActionCable events as its
ActionCableListener broadcasts them: ``conversation.typing_on`` / ``conversation.typing_off`` carry
``{conversation: push_event_data (its "id" is the display id), user: {id, name, available_name, type,
availability_status, ...}, is_private, account_id}``; ``presence.update`` carries ``{account_id, users:
{user_id: "online" | "busy"}, contacts: {...}}`` naming only the users who are on (anyone left out is
offline). Chatwoot sends typing_on again while the agent keeps typing and may never send typing_off (a
closed tab), so typing older than TYPING_TTL_S is dropped. Anything malformed is logged and ignored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

TYPING_TTL_S = 6.0  # a typing_on not repeated within this long is stale
AVAILABILITIES = ("online", "busy", "offline")
Listener = Callable[[], None]


@dataclass(frozen=True)
class Typist:
    """Someone typing in a conversation: a hub user (kind "user") or the customer (kind "contact")."""

    user_id: str
    name: str
    kind: str
    private: bool  # typing a private note


class PresenceBoard:
    """Thread-safe: the socket's thread feeds it, the GUI and the floor read it."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._typing: dict[tuple[int, str], dict[str, tuple[Typist, float]]] = {}
        self._availability: dict[int, dict[str, str]] = {}  # account -> hub user id -> status
        self._presence_seen: set[int] = set()  # accounts a presence.update came for
        self._listeners: list[Listener] = []
        self.rejected = 0  # malformed events ignored

    # --- input ------------------------------------------------------------------------------------

    def on_event(self, account_id: int, event_name: str, data: Any) -> bool:
        """Apply one event; True when it changed what the board shows."""
        try:
            if event_name in ("conversation.typing_on", "conversation.typing_off"):
                changed = self._typing_event(int(account_id), event_name.endswith("_on"), data)
            elif event_name == "presence.update":
                changed = self._presence_event(int(account_id), data)
            else:
                return False
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            with self._lock:
                self.rejected += 1
            log.warning("ignored a malformed %s event for account %s: %s", event_name, account_id, exc)
            return False
        if changed:
            self._notify()
        return changed

    def seed_availability(self, account_id: int, statuses: dict[str, str]) -> None:
        """Availability as the agents endpoint lists it (``availability_status`` per agent id)."""
        clean = {str(k): v for k, v in statuses.items() if v in AVAILABILITIES}
        with self._lock:
            self._availability.setdefault(int(account_id), {}).update(clean)
        self._notify()

    def set_availability(self, account_id: int, user_id: str, status: str) -> None:
        if status not in AVAILABILITIES:
            raise ValueError(f"availability is one of {', '.join(AVAILABILITIES)} (got {status!r})")
        self.seed_availability(account_id, {str(user_id): status})

    def subscribe(self, listener: Listener) -> None:
        """``listener()`` after each change (on the feeding thread: hop to the GUI thread yourself)."""
        self._listeners.append(listener)

    # --- reading ----------------------------------------------------------------------------------

    def typing(self, account_id: int, conversation_display_id: str, *, exclude: str | None = None) -> list[Typist]:
        """Who is typing now in this conversation (by the hub's display id), oldest first."""
        now = self.clock()
        with self._lock:
            entries = self._typing.get((int(account_id), str(conversation_display_id)), {})
            live = sorted((at, t.kind, t.user_id, t) for t, at in entries.values() if now - at <= TYPING_TTL_S)
        return [t for *_key, t in live if t.user_id != exclude or t.kind != "user"]

    def availability(self, account_id: int, user_id: str) -> str:
        """online | busy | offline; "" when the board has heard nothing of this account yet."""
        with self._lock:
            statuses = self._availability.get(int(account_id))
            if statuses is None:
                return ""
            return statuses.get(str(user_id), "offline" if int(account_id) in self._presence_seen else "")

    def availabilities(self, account_id: int) -> dict[str, str]:
        with self._lock:
            return dict(self._availability.get(int(account_id), {}))

    # --- events -----------------------------------------------------------------------------------

    def _typing_event(self, account_id: int, on: bool, data: Any) -> bool:
        conversation, user = data["conversation"], data["user"]
        display_id = conversation["id"]
        if not isinstance(display_id, int | str) or isinstance(display_id, bool) or str(display_id) == "":
            raise ValueError(f"conversation id {display_id!r}")
        user_id = user["id"]
        if not isinstance(user_id, int | str) or isinstance(user_id, bool):
            raise ValueError(f"user id {user_id!r}")
        kind = "contact" if user.get("type") == "contact" else "user"
        name = str(user.get("available_name") or user.get("name") or "Someone")
        key, who = (account_id, str(display_id)), f"{kind}:{user_id}"
        with self._lock:
            entries = self._typing.setdefault(key, {})
            if on:
                entries[who] = (Typist(str(user_id), name, kind, bool(data.get("is_private"))), self.clock())
                return True
            return entries.pop(who, None) is not None

    def _presence_event(self, account_id: int, data: Any) -> bool:
        users = data["users"]
        if not isinstance(users, dict):
            raise ValueError("users is not an object")
        statuses = {str(k): str(v) for k, v in users.items() if str(v) in AVAILABILITIES}
        with self._lock:
            known = self._availability.setdefault(account_id, {})
            before = dict(known)
            for user_id in known:
                if user_id not in statuses:
                    known[user_id] = "offline"  # presence lists only those who are on
            known.update(statuses)
            self._presence_seen.add(account_id)
            return known != before

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # one broken listener must not stop the others or the feed
                log.exception("presence listener failed")

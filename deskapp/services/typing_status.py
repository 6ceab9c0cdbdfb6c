"""Tells the hub while the agent types in the composer (Chatwoot's toggle_typing_status), for the composer.

The GUI calls ``typed(conversation_id, private)`` on each edit and ``stopped()`` on send, on leaving the
conversation or on closing; that is all it does (no I/O). A worker thread sends "on" when typing starts and
again every RESEND_S while it goes on (the other side forgets a typing_on after a few seconds), and "off"
after IDLE_S without an edit or when told to stop. Never queued in the outbox, never retried: a status
that cannot go out now is worthless later, so offline or on any error nothing happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from deskapp.connectors import chatwoot_live
from deskapp.services.hub_link import HubLink
from deskapp.store import collision_rows

RESEND_S = 4.0
IDLE_S = 3.0
TICK_S = 0.5


@dataclass
class _Typing:
    conversation_id: int
    private: bool
    last_edit: float
    sent_on_at: float | None = None  # when "on" was last tried (sent or not): the resend throttle
    said_on: bool = False  # the hub took an "on": an "off" is owed


class TypingSender:
    def __init__(self, link: HubLink, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.link, self.clock = link, clock
        self._lock = threading.Lock()
        self._now: _Typing | None = None
        self._offs: list[tuple[int, bool]] = []  # conversations to say "off" for
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self.sent: list[tuple[int, str]] = []  # (conversation, "on" | "off") that went through, newest last

    @property
    def typing_in(self) -> int | None:
        """The conversation the agent is typing in now, as far as this sender knows."""
        with self._lock:
            return self._now.conversation_id if self._now is not None else None

    # --- from the GUI ------------------------------------------------------------------------------

    def typed(self, conversation_id: int, private: bool = False) -> None:
        now = self.clock()
        with self._lock:
            current = self._now
            if current is not None and current.conversation_id == conversation_id and current.private == private:
                current.last_edit = now
                return
            if current is not None and current.said_on:
                self._offs.append((current.conversation_id, current.private))
            self._now = _Typing(conversation_id, private, now)
        self._start()
        self._wake.set()

    def stopped(self) -> None:
        with self._lock:
            current, self._now = self._now, None
            if current is not None and current.said_on:
                self._offs.append((current.conversation_id, current.private))
        self._wake.set()

    def close(self) -> None:
        self.stopped()
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)

    # --- the worker ------------------------------------------------------------------------------

    def step(self) -> None:
        """One pass: the "off"s owed, then "on" when typing started or is due again, "off" once idle."""
        now = self.clock()
        with self._lock:
            offs, self._offs = self._offs, []
            current = self._now
            send_on = current is not None and now - current.last_edit < IDLE_S and (
                current.sent_on_at is None or now - current.sent_on_at >= RESEND_S)
            if current is not None and now - current.last_edit >= IDLE_S:
                self._now = None
                if current.said_on:
                    offs.append((current.conversation_id, current.private))
                current = None
            if send_on and current is not None:
                current.sent_on_at = now
        for conversation_id, private in offs:
            self._send(conversation_id, False, private)
        if send_on and current is not None and self._send(current.conversation_id, True, current.private):
            with self._lock:
                if self._now is current:
                    current.said_on = True
                else:  # stopped meanwhile: the "off" is owed now
                    self._offs.append((current.conversation_id, current.private))

    def _send(self, conversation_id: int, on: bool, private: bool) -> bool:
        with self.link.db.read() as conn:
            ref = collision_rows.conversation_ref(conn, conversation_id)
        if ref is None:
            return False
        account_id, display_id = ref
        done = self.link.call(account_id, lambda http, prefix, _hub: chatwoot_live.toggle_typing(
            http, prefix, display_id, on, private=private), "typing status")
        if done:
            self.sent.append((conversation_id, "on" if on else "off"))
            del self.sent[:-50]
        return bool(done)

    def _start(self) -> None:
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._run, name="typing-status", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(TICK_S)
            self._wake.clear()
            self.step()
        self.step()

"""Moves work off the GUI thread for every pane: a QThreadPool runner whose results come back as queued signals.

Workers return plain data (dataclasses, lists); the GUI thread only applies them. A ``key`` makes a
task "latest wins": a result whose key was submitted again since is dropped, so typing fast in the
search box or holding j never shows a stale answer.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)
SWITCH_INTERVAL_S = 0.001


class _Relay(QObject):
    done = Signal(int, object)
    failed = Signal(int, str)


class _Job(QRunnable):
    def __init__(self, task_id: int, relay: _Relay, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        super().__init__()
        self.task_id, self.relay, self.fn, self.args, self.kwargs = task_id, relay, fn, args, kwargs

    def run(self) -> None:
        try:
            result = self.fn(*self.args, **self.kwargs)
        except Exception as exc:  # reported to the caller's on_error; the pool thread must survive
            log.warning("background task %s failed: %s\n%s", getattr(self.fn, "__name__", self.fn), exc,
                        traceback.format_exc())
            with contextlib.suppress(RuntimeError):  # the runner went away while we worked
                self.relay.failed.emit(self.task_id, f"{type(exc).__name__}: {exc}")
            return
        with contextlib.suppress(RuntimeError):
            self.relay.done.emit(self.task_id, result)


class TaskRunner(QObject):
    """Runs callables on a private pool; ``on_done``/``on_error`` are called on the GUI thread."""

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 2) -> None:
        super().__init__(parent)
        # Workers and sync threads share the GIL with the GUI thread: hand it over every millisecond
        # (Python's default is 5 ms per waiting thread, which adds up to visible stalls).
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        # Long reads nobody is waiting for (a big view's full id list, the sidebar counts) get their own
        # thread, so they never hold up what the agent just asked for (the next view, a conversation).
        self.background_pool = QThreadPool(self)
        self.background_pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._next = 0
        self._pending: dict[int, tuple[Callable | None, Callable | None, str | None]] = {}
        self._latest: dict[str, int] = {}
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: object, on_done: Callable[[Any], object] | None = None,
               on_error: Callable[[str], object] | None = None, key: str | None = None, priority: int = 0,
               background: bool = False, **kwargs: object) -> int:
        """Queue ``fn(*args, **kwargs)``; higher ``priority`` runs first (rows on screen before the rest);
        ``background`` work runs on its own thread, behind nothing the agent waits for. After ``close`` nothing
        runs: the files it would read are being closed (returns -1)."""
        if self._closed:
            log.debug("task %s not run: the window is closed", getattr(fn, "__name__", fn))
            return -1
        self._next += 1
        task_id = self._next
        self._pending[task_id] = (on_done, on_error, key)
        if key is not None:
            self._latest[key] = task_id
        pool = self.background_pool if background else self.pool
        pool.start(_Job(task_id, self._relay, fn, args, kwargs), priority)
        return task_id

    @property
    def closed(self) -> bool:
        return self._closed

    def busy(self) -> bool:
        return bool(self._pending)

    def _take(self, task_id: int):
        on_done, on_error, key = self._pending.pop(task_id, (None, None, None))
        if key is not None and self._latest.get(key) != task_id:
            return None, None  # superseded by a newer task with the same key
        if key is not None:
            self._latest.pop(key, None)
        return on_done, on_error

    def _on_done(self, task_id: int, result: object) -> None:
        on_done, _ = self._take(task_id)
        if on_done is not None:
            on_done(result)

    def _on_failed(self, task_id: int, message: str) -> None:
        _, on_error = self._take(task_id)
        if on_error is not None:
            on_error(message)

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs) and self.background_pool.waitForDone(msecs)

    def close(self, msecs: int = 30000) -> bool:
        """No task starts any more (queued ones are dropped, later ones refused); waits for those running.
        A result that still arrives (queued before the close) is applied as usual."""
        self._closed = True
        self.pool.clear()
        self.background_pool.clear()
        return self.wait(msecs)

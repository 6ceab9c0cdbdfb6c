"""Worker processes that read fetched mail for the mail connector: a large page's FETCH response parsing,
MIME parsing and mapping run on another core while the sync engine applies the page before it.

Parsing is CPU work under the GIL, so a thread would only take turns with the apply; a process does not.
Small pages (an ordinary pass brings a few new mails) are read in the calling process: starting a worker
costs more than they do. A large page is fetched in parts, one per worker, each parsed while the next
arrives. Workers are started with "spawn" (never fork: the app has Qt and sync threads), which also works
in the frozen bundle (its entry calls ``multiprocessing.freeze_support``). A worker that dies, or one that
cannot start, leaves its part to be read here, as if there were no worker.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)

MIN_JOBS = 64  # a page with fewer mails is read in the calling process
MAX_WORKERS = 4
T = TypeVar("T")


@dataclass(frozen=True)
class ReadFailed:
    """A mail the reader raised on, as the worker saw it (the exception itself may not survive pickling)."""

    error: str
    trace: str
    source: bytes = b""  # the message as the server sent it, when the caller has it


def read_one(read: Callable[..., list], job: Sequence[Any]) -> list | ReadFailed:
    """The reader's records for one mail, or ReadFailed with its reason: a reader bug on hostile input
    never stops the page."""
    try:
        return read(*job)
    except Exception as exc:
        return ReadFailed(str(exc), traceback.format_exc())


def _start_worker() -> None:
    # Ctrl+C in a terminal reaches the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker holds both ends of its task queue, so it never sees the parent go: it watches for that itself,
    # or a parent killed (kill -9, a crash) would leave it waiting for ever.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), name="parent-watch", daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _spawn(workers: int) -> ProcessPoolExecutor:
    """Worker processes started fresh ("spawn"), each watching its parent."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker)


def worker_starts(timeout: float = 60.0) -> bool:
    """Whether this build can start a reading process that runs code and answers: a frozen bundle whose
    entry forgot ``freeze_support`` starts the app again instead (the bundle's smoke run asks)."""
    executor = _spawn(1)
    try:
        return executor.submit(os.getpid).result(timeout=timeout) != os.getpid()
    except Exception:
        log.exception("a process to read mail cannot be started")
        return False
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def default_workers() -> int:
    """Two at least, so that one parses while the next part of the page arrives; at most four."""
    return max(2, min(MAX_WORKERS, (os.cpu_count() or 2) - 1))


class ReadPool:
    """Runs the reading of a page's parts in worker processes, started on first need and kept until ``close``."""

    def __init__(self, workers: int | None = None, *, min_jobs: int = MIN_JOBS) -> None:
        self.workers = workers or default_workers()
        self.min_jobs = min_jobs  # the caller reads pages with fewer mails itself
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, call: Callable[..., T], *args: Any) -> Callable[[], T]:
        """Starts ``call(*args)`` in a worker (both must pickle); returns what waits for its result, which
        raises what ``call`` raised. When no worker can run it, it runs here."""
        executor = self._start()
        if executor is None:
            return functools.partial(call, *args)
        future = executor.submit(call, *args)

        def result() -> T:
            try:
                return future.result()
            except (BrokenProcessPool, OSError, EOFError) as exc:  # a worker died (a crash in a parser, OOM kill)
                log.warning("a mail reading process failed (%s); reading this part here", exc)
                self.close()
                return call(*args)
        return result

    def _start(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._executor is None:
                try:
                    self._executor = _spawn(self.workers)
                except (OSError, ValueError) as exc:
                    log.warning("cannot start processes to read mail (%s); reading it in this process", exc)
                    return None
            return self._executor

    def close(self) -> None:
        """Stop the workers (they start again when a large page comes); safe to call more than once."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

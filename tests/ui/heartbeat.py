"""A GUI-thread heartbeat for the benchmarks: how long the event loop went without a tick, and how much
of that the GUI thread itself spent busy."""

from __future__ import annotations

import time


class Heartbeat:
    """A 5 ms QTimer on the GUI thread. ``worst`` is the longest wall-clock gap between ticks; ``worst_busy``
    the most CPU the GUI thread itself spent inside one gap — the part that is our code blocking the
    thread, as opposed to the OS running other processes on a loaded 2-core machine."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.last_cpu = 0.0
        self.worst = 0.0
        self.worst_busy = 0.0

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self.last:
            self.worst = max(self.worst, now - self.last)
            self.worst_busy = max(self.worst_busy, cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu

    def __enter__(self) -> Heartbeat:
        self.last = 0.0
        self.worst = 0.0
        self.worst_busy = 0.0
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()

    @property
    def worst_ms(self) -> float:
        return self.worst * 1000

    @property
    def busy_ms(self) -> float:
        return self.worst_busy * 1000

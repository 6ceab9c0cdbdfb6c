"""The engine fetches a few conversations' messages side by side and applies them in order: results come
back in the pending order whatever order the fetches finish in, never more than ``workers`` at once, and a
stop or an error part-way leaves nothing running behind it."""

from __future__ import annotations

import random
import threading
import time

import pytest

from deskapp.sync.engine import _in_order


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = self.peak = 0
        self.started: list[str] = []
        self.rng = random.Random(5)

    def __call__(self, ext: str) -> tuple[list, str | None, bool]:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.started.append(ext)
            delay = self.rng.uniform(0, 0.01)
        time.sleep(delay)  # finish out of order
        with self.lock:
            self.running -= 1
        if ext == "bad":
            raise ValueError("malformed page")
        return [f"m-{ext}"], ext, True


def test_results_come_back_in_order_with_bounded_concurrency():
    pull = Recorder()
    pending = [str(i) for i in range(40)]
    got = [(ext, result()) for ext, result in _in_order(pending, pull, 4)]
    assert [ext for ext, _ in got] == pending
    assert all(result == ([f"m-{ext}"], ext, True) for ext, result in got)
    assert 1 < pull.peak <= 4


def test_one_worker_is_a_plain_loop():
    pull = Recorder()
    order = []
    for ext, result in _in_order(["a", "b", "c"], pull, 1):
        assert pull.started == order  # nothing is fetched ahead
        order.append(ext)
        result()
    assert pull.peak == 1


def test_an_error_belongs_to_its_conversation_and_closing_early_stops_the_rest():
    pull = Recorder()
    pending = ["a", "bad", "c", *[str(i) for i in range(50)]]
    results = _in_order(pending, pull, 4)
    assert next(results)[1]()[1] == "a"
    ext, result = next(results)
    with pytest.raises(ValueError, match="malformed"):
        result()
    assert ext == "bad" and next(results)[0] == "c"
    results.close()  # a stop: queued fetches are dropped, running ones waited for
    assert pull.running == 0 and len(pull.started) <= 3 + 2 * 4

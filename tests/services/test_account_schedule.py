"""AccountSchedule: a chore is due once per interval per account, and a failure can bring it back sooner."""

from __future__ import annotations

import threading

from deskapp.services.account_schedule import AccountSchedule


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_chore_is_due_once_per_interval_and_per_account():
    clock = Clock()
    schedule = AccountSchedule(60.0, clock)
    assert schedule.claim(1) == 1000.0
    assert schedule.claim(1) is None  # just ran
    assert schedule.claim(2) == 1000.0  # another account has its own time
    clock.now += 59.9
    assert schedule.claim(1) is None
    clock.now += 0.1
    assert schedule.claim(1) == 1060.0


def test_a_failure_makes_it_due_after_the_delay_but_never_later_than_usual():
    clock = Clock()
    schedule = AccountSchedule(60.0, clock)
    claimed = schedule.claim(1)
    assert claimed is not None
    schedule.retry_after(1, claimed, 5.0)
    clock.now += 4.9
    assert schedule.claim(1) is None
    clock.now += 0.1
    assert schedule.claim(1) == 1005.0
    schedule.retry_after(1, 1005.0, 600.0)  # a delay longer than the interval: the usual interval holds
    clock.now = 1065.0
    assert schedule.claim(1) == 1065.0


def test_two_threads_asking_at_once_run_the_chore_once():
    schedule = AccountSchedule(60.0, Clock())
    got: list[float | None] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        got.append(schedule.claim(7))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got, key=lambda v: v is None) == [1000.0] + [None] * 7

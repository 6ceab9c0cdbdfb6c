"""ui.tasks: the TaskRunner moves work off the GUI thread and brings results back on it; a newer task with the
same key wins, a failing task reports and leaves the pool working, background work never holds up the rest."""

from __future__ import annotations

import threading

import pytest

from deskapp.ui.tasks import TaskRunner


@pytest.fixture
def runner(qapp):
    tasks = TaskRunner()
    yield tasks
    tasks.wait(10_000)


def test_work_runs_on_a_worker_and_its_result_comes_back_on_the_gui_thread(qtbot, runner):
    seen: dict[str, object] = {}

    def work(a, b, *, times):
        seen["worker"] = threading.current_thread() is threading.main_thread()
        return (a + b) * times

    def done(result):
        seen["result"] = result
        seen["callback"] = threading.current_thread() is threading.main_thread()

    runner.submit(work, 2, 3, times=4, on_done=done)
    assert runner.busy()
    qtbot.waitUntil(lambda: "result" in seen, timeout=10_000)
    assert seen == {"worker": False, "result": 20, "callback": True}
    assert not runner.busy()


def test_a_newer_task_with_the_same_key_wins(qtbot, runner):
    gate, shown = threading.Event(), []
    runner.submit(lambda: gate.wait(10) and "old", key="search", on_done=shown.append)
    runner.submit(lambda: "new", key="search", on_done=shown.append)
    qtbot.waitUntil(lambda: shown == ["new"], timeout=10_000)
    gate.set()
    runner.wait(10_000)
    qtbot.wait(50)
    assert shown == ["new"]  # the stale answer never shows
    assert not runner.busy()


def test_a_failing_task_reports_its_error_and_the_pool_keeps_working(qtbot, runner):
    errors, results = [], []

    def broken():
        raise ValueError("the cache said no")

    runner.submit(broken, on_done=results.append, on_error=errors.append)
    runner.submit(lambda: "still here", on_done=results.append)
    qtbot.waitUntil(lambda: bool(errors and results), timeout=10_000)
    assert errors == ["ValueError: the cache said no"] and results == ["still here"]


def test_a_failure_without_an_error_callback_is_only_logged(qtbot, runner, caplog):
    runner.submit(lambda: 1 / 0)
    qtbot.waitUntil(lambda: not runner.busy(), timeout=10_000)
    assert "background task" in caplog.text and "ZeroDivisionError" in caplog.text


def test_background_work_does_not_hold_up_what_the_agent_waits_for(qtbot, runner):
    gate, shown = threading.Event(), []
    runner.submit(lambda: gate.wait(10) and "counts", background=True, on_done=shown.append)
    runner.submit(lambda: "next conversation", on_done=shown.append)
    qtbot.waitUntil(lambda: shown == ["next conversation"], timeout=10_000)
    gate.set()
    qtbot.waitUntil(lambda: shown == ["next conversation", "counts"], timeout=10_000)


def test_higher_priority_runs_first_when_the_pool_is_busy(qtbot, qapp):
    runner = TaskRunner(max_threads=1)
    gate, order = threading.Event(), []
    runner.submit(gate.wait, 10)  # holds the only thread while the rest queue up
    for name, priority in (("rest", 0), ("on screen", 5), ("more rest", 0)):
        runner.submit(order.append, name, priority=priority)
    gate.set()
    runner.wait(10_000)
    assert order == ["on screen", "rest", "more rest"]


def test_after_close_queued_and_later_tasks_never_run_and_a_running_one_is_waited_for(qtbot, runner):
    gate, ran, running = threading.Event(), [], threading.Event()

    def first():
        running.set()
        gate.wait(10)
        ran.append("first")

    runner.pool.setMaxThreadCount(1)
    runner.submit(first)
    running.wait(10)
    runner.submit(ran.append, "queued")  # waits for the pool's one thread
    threading.Timer(0.2, gate.set).start()
    assert runner.close(10_000)
    assert runner.submit(ran.append, "after close") == -1
    qtbot.wait(50)
    assert ran == ["first"]  # the running task finished before close returned; the others never ran

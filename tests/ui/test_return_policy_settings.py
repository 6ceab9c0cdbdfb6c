"""ui.return_policy_settings: the section shows the defaults until the kept policy arrives from a worker, refuses
what the policy rules refuse with the reason (nothing stored), and stores on a worker with Save held meanwhile;
neither reading nor saving runs SQL on the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from deskapp.domain.returns import DEFAULT_POLICY, MAX_EXCLUSION_LENGTH
from deskapp.services import returns as returns_service
from deskapp.ui.return_policy_settings import ReturnPolicyBox
from deskapp.ui.tasks import TaskRunner


@pytest.fixture
def tasks(qtbot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.wait(10_000)


@pytest.fixture
def gui_statements(ws) -> Iterator[list[str]]:
    """SQL run on the main (Qt) thread, on the cache and on the profile."""
    seen: list[str] = []
    main = threading.main_thread()

    def record(statement: str, *_rest) -> None:
        if threading.current_thread() is main:
            seen.append(statement.split()[0] if statement.strip() else statement)

    def on_cache(_conn, _cursor, statement, *_rest) -> None:
        record(statement)

    event.listen(ws.db.engine, "before_cursor_execute", on_cache)
    with ws.profile.read() as conn:
        conn.set_trace_callback(record)
    yield seen
    event.remove(ws.db.engine, "before_cursor_execute", on_cache)
    with ws.profile.read() as conn:
        conn.set_trace_callback(None)


def test_defaults_until_the_kept_policy_arrives(qtbot, ws, tasks):
    returns_service.save_policy(ws.db, ws.profile, window_days=60, excluded_tags="outlet", excluded_types="",
                                restocking_fee_pct="0")
    box = ReturnPolicyBox(ws, tasks)
    qtbot.addWidget(box)
    assert box.window_days.value() == DEFAULT_POLICY.window_days  # at once, before the worker answers
    qtbot.waitUntil(lambda: box.window_days.value() == 60, timeout=10_000)
    assert box.tags.text() == "outlet" and box.fee.value() == 0.0


def test_a_tag_too_long_is_refused_with_the_reason_and_nothing_stored(qtbot, ws, tasks):
    box = ReturnPolicyBox(ws, tasks)
    qtbot.addWidget(box)
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=10_000)  # the kept policy (the defaults) has arrived
    box.tags.setText("ok, " + "x" * (MAX_EXCLUSION_LENGTH + 1))
    assert not box.save()
    assert box.status.text().startswith("Not saved: excluded tags: 'xxxxxxxxxxxxxxxxxxxx'… is longer than")
    assert box.save_button.isEnabled()
    assert returns_service.load_policy(ws.profile) == DEFAULT_POLICY


def test_saving_holds_the_button_and_reads_and_writes_off_the_gui_thread(qtbot, ws, tasks, gui_statements):
    box = ReturnPolicyBox(ws, tasks)
    qtbot.addWidget(box)
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=10_000)  # the kept policy (the defaults) has arrived
    box.window_days.setValue(0)  # the edge: no returns at all
    box.tags.setText(" , ,  ")  # nothing but separators: no tag
    box.fee.setValue(100)
    with qtbot.waitSignal(box.saved, timeout=10_000) as saved:
        assert box.save()
        assert not box.save_button.isEnabled()  # until the worker has kept it
    tasks.wait(10_000)
    on_gui_thread = list(gui_statements)
    policy = saved.args[0]
    assert (policy.window_days, policy.excluded_tags, float(policy.restocking_fee_pct)) == (0, (), 100.0)
    assert box.save_button.isEnabled() and box.status.text() == "Saved." and box.tags.text() == ""
    assert returns_service.load_policy(ws.profile) == policy
    assert on_gui_thread == []

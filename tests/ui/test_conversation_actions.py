"""ui.conversation_actions: snooze targets in the agent's local time (tomorrow and next Monday at 9:00, across a
week's edge), each action saying what it did in the status line, and, without an outbox, every action saying
why it cannot run while nothing is queued or changed."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from deskapp.ui.conversation_actions import snooze_choices


@pytest.fixture
def paris(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_snooze_targets_on_a_wednesday_afternoon(paris):
    now = datetime(2026, 3, 4, 14, 30, tzinfo=UTC)  # Wednesday 15:30 in Paris (UTC+1)
    choices = dict(snooze_choices(now))
    assert list(choices) == ["In 1 hour", "In 4 hours", "Tomorrow 9:00", "Next Monday 9:00", "In one week"]
    assert choices["In 1 hour"] == datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    assert choices["Tomorrow 9:00"] == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)  # 9:00 local
    assert choices["Next Monday 9:00"] == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    assert all(when.tzinfo is UTC for when in choices.values())


def test_on_a_monday_next_monday_is_a_week_away(paris):
    choices = dict(snooze_choices(datetime(2026, 3, 9, 6, 0, tzinfo=UTC)))  # Monday 7:00 local
    assert choices["Next Monday 9:00"] == datetime(2026, 3, 16, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("now", "tomorrow", "monday"), [
    (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC),  # summer time from Sunday
     datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
    (datetime(2026, 10, 24, 12, 0, tzinfo=UTC), datetime(2026, 10, 25, 8, 0, tzinfo=UTC),  # winter time again
     datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
])
def test_9_00_is_on_that_days_wall_clock_across_a_clock_change(paris, now, tomorrow, monday):
    choices = dict(snooze_choices(now))
    assert choices["Tomorrow 9:00"] == tomorrow and choices["Tomorrow 9:00"].astimezone().hour == 9
    assert choices["Next Monday 9:00"] == monday


def test_an_action_says_what_it_did(window, filled, qtbot):
    ctl, page = window.actions_ctl, window.page
    said: list[str] = []
    ctl.status_reported.connect(said.append)
    with qtbot.waitSignal(ctl.action_done, timeout=10_000) as done:
        ctl.priority("high")
    assert done.args[0] == "priority" and done.args[1] == [page.current_id]
    assert said[-1] == "Priority high on 1 conversation(s)"


def test_without_an_outbox_every_action_says_why_and_nothing_changes(window, filled, actions, qtbot):
    ctl = window.actions_ctl
    ctl.actions = None
    said: list[str] = []
    ctl.status_reported.connect(said.append)
    ctl.resolve()
    ctl.reopen()
    ctl.snooze(datetime(2030, 1, 1, tzinfo=UTC))
    ctl.label(["vip"])
    ctl.priority("urgent")
    qtbot.wait(50)
    assert said and all(s == "Actions are unavailable: the outbox could not be opened" for s in said)
    assert actions.items() == []

"""ui.demo_roles: the Demo menu signs the demo in as its agent or its supervisor on a worker, keeps one role
checked, and says when the switch failed."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QWidget

from deskapp.ui.demo_roles import OUTAGE_TEXT, ROLE_TEXT, DemoRoles
from deskapp.ui.tasks import TaskRunner


class Window(QWidget):
    """What DemoRoles uses of the main window: its task runner and the status messages it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.tasks = TaskRunner(self)
        self.messages: list[str] = []
        self.errors: list[str] = []
        self.refreshed = 0

    def show_message(self, text: str) -> None:
        self.messages.append(text)

    def show_error(self, text: str) -> None:
        self.errors.append(text)

    def refresh_status(self) -> None:
        self.refreshed += 1

    def schedule_refresh(self) -> None:
        self.refreshed += 1


@pytest.fixture
def window(qtbot):
    shown = Window()
    qtbot.addWidget(shown)
    yield shown
    shown.tasks.wait(10_000)


def test_the_menu_offers_both_roles_with_the_signed_in_one_checked(window):
    roles = DemoRoles(window, lambda role: role, "agent")
    assert [a.text() for a in roles.menu.actions()] == list(ROLE_TEXT.values())
    assert roles.actions["agent"].isChecked() and not roles.actions["supervisor"].isChecked()


def test_signing_in_as_supervisor_runs_off_the_gui_thread_and_then_refreshes(window, qtbot):
    threads = []

    def switch(role: str) -> str:
        threads.append(threading.current_thread() is threading.main_thread())
        return role

    roles = DemoRoles(window, switch, "agent")
    roles.actions["supervisor"].trigger()
    assert not roles.actions["agent"].isEnabled()  # no second switch while one runs
    qtbot.waitUntil(lambda: roles.role == "supervisor", timeout=10_000)
    assert threads == [False]
    assert roles.actions["supervisor"].isChecked() and roles.actions["agent"].isEnabled()
    assert window.messages[-1] == "Signed in to the demo as supervisor" and window.refreshed == 2


def test_a_failed_switch_keeps_the_old_role_and_says_why(window, qtbot):
    def switch(_role: str) -> None:
        raise ConnectionError("the demo hub is not answering")

    roles = DemoRoles(window, switch, "agent")
    roles.actions["supervisor"].trigger()
    qtbot.waitUntil(lambda: bool(window.errors), timeout=10_000)
    assert "the demo hub is not answering" in window.errors[0]
    assert roles.role == "agent" and roles.actions["agent"].isChecked() and roles.actions["supervisor"].isEnabled()
    assert window.refreshed == 0


def test_without_an_outage_switch_the_menu_has_the_roles_only(window):
    roles = DemoRoles(window, lambda role: role, "agent")
    assert roles.outage_actions == {} and len(roles.menu.actions()) == len(ROLE_TEXT)


def test_an_outage_is_switched_off_the_gui_thread_and_one_state_stays_checked(window, qtbot):
    asked: list[tuple[str | None, bool]] = []

    def outage(scope: str | None) -> None:
        asked.append((scope, threading.current_thread() is threading.main_thread()))

    roles = DemoRoles(window, lambda role: role, "agent", outage)
    assert [a.text() for a in roles.outage_actions.values()] == list(OUTAGE_TEXT.values())
    assert roles.outage_actions[None].isChecked()
    roles.outage_actions["shopify"].trigger()
    assert not roles.outage_actions[None].isEnabled()
    qtbot.waitUntil(lambda: roles.down == "shopify", timeout=10_000)
    assert asked == [("shopify", False)] and roles.outage_actions["shopify"].isChecked()
    assert window.messages[-1] == "Demo: outage of the shop (orders)"
    roles.outage_actions[None].trigger()
    qtbot.waitUntil(lambda: roles.down is None, timeout=10_000)
    assert asked[-1] == (None, False) and roles.outage_actions[None].isChecked()


def test_a_failed_outage_switch_keeps_the_state_and_says_why(window, qtbot):
    def outage(_scope: str | None) -> None:
        raise RuntimeError("the demo server has stopped")

    roles = DemoRoles(window, lambda role: role, "agent", outage)
    roles.outage_actions["chatwoot"].trigger()
    qtbot.waitUntil(lambda: bool(window.errors), timeout=10_000)
    assert "the demo server has stopped" in window.errors[0]
    assert roles.down is None and roles.outage_actions[None].isChecked()
    assert roles.outage_actions["chatwoot"].isEnabled()

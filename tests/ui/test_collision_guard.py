"""Collision in the inbox: the warning before a reply when someone else answered since the conversation was
opened (send anyway / review, by keyboard), and who else is typing, above the composer."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from deskapp.services.collision import CollisionService
from deskapp.services.floor import FloorService
from deskapp.services.hub_link import HubLink
from deskapp.services.presence import PresenceBoard
from deskapp.services.typing_status import TypingSender
from deskapp.ui.collision_guard import typing_text
from tests.ui.conftest import gui_services
from tests.ui.fill import NOW


@pytest.fixture
def live_window(qtbot, filled, actions):
    from deskapp.ui.main_window import MainWindow

    services = gui_services(filled, actions)
    services.collision = CollisionService(filled.db)  # the cache only: no hub in these tests
    services.floor = FloorService(filled.db, PresenceBoard(), actions=actions)
    # the cache's hub account points at a closed port: every typing status fails, silently
    services.typing = TypingSender(HubLink(filled.db, filled.secrets))
    settings = QSettings(str(filled.paths.data_dir / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(filled, services, settings=settings, extras=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.page.opened is not None and not win.page.thread_view.rendering, timeout=10_000)
    guard = win.actions_ctl.guard
    qtbot.waitUntil(lambda: win.page.current_id in guard.marks, timeout=10_000)
    yield win
    win.close()
    win.tasks.wait(10_000)
    services.typing.close()


def other_agent_replies(db, conversation_id: int, text: str) -> None:
    """Sam (agent 2) answered on the hub and the sync brought it (off the GUI thread, as the sync does)."""
    def write() -> None:
        with db.write() as conn:
            conn.exec_driver_sql(
                "INSERT INTO message(account_id, external_id, conversation_id, direction, author_name,"
                " author_external_id, author_kind, text, sent_at) VALUES (1, ?, ?, 'out', 'Sam Other', 'a2',"
                " 'agent', ?, ?)", (f"sam-{conversation_id}-{len(text)}", conversation_id, text, NOW + 60))

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()


def outbox_kinds(actions) -> list[str]:
    return [i.kind for i in actions.outbox.open_items()]


def warning_box(window) -> QMessageBox | None:
    return window.actions_ctl.guard.dialog


def send(page, text: str) -> None:
    page.composer.editor.setPlainText(text)
    QTest.keyClick(page.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_review_keeps_the_text_and_a_second_send_goes_out(live_window, filled, actions, qtbot):
    page = live_window.page
    cid = page.current_id
    opened_mark = live_window.actions_ctl.guard.marks[cid]
    other_agent_replies(filled.db, cid, "We sent a replacement yesterday.")
    send(page, "Let me check on your order")
    qtbot.waitUntil(lambda: warning_box(live_window) is not None, timeout=10_000)
    box = warning_box(live_window)
    assert "Sam Other" in box.text() and "We sent a replacement yesterday." in box.text()
    assert box.defaultButton().text() == "&Review"
    QTest.keyClick(box, Qt.Key.Key_Return)  # Enter takes the safe default
    qtbot.waitUntil(lambda: warning_box(live_window) is None, timeout=5000)
    assert outbox_kinds(actions) == [] and page.composer.text() == "Let me check on your order"
    qtbot.waitUntil(lambda: "replacement yesterday" in page.thread_view.toPlainText(), timeout=10_000)
    # reviewed: what is on screen now counts as seen, so sending again needs no second warning
    qtbot.waitUntil(lambda: live_window.actions_ctl.guard.marks[cid] != opened_mark, timeout=5000)
    QTest.keyClick(page.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: outbox_kinds(actions) == ["reply"], timeout=10_000)
    assert warning_box(live_window) is None


def test_send_anyway_by_keyboard_queues_the_reply(live_window, filled, actions, qtbot):
    page = live_window.page
    other_agent_replies(filled.db, page.current_id, "Refund issued.")
    send(page, "Here is your tracking link")
    qtbot.waitUntil(lambda: warning_box(live_window) is not None, timeout=10_000)
    QTest.keyClick(warning_box(live_window), Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: outbox_kinds(actions) == ["reply"], timeout=10_000)
    assert page.composer.text() == ""


def test_escape_reviews_and_notes_are_never_held(live_window, filled, actions, qtbot):
    page = live_window.page
    other_agent_replies(filled.db, page.current_id, "Done.")
    send(page, "one more thing")
    qtbot.waitUntil(lambda: warning_box(live_window) is not None, timeout=10_000)
    QTest.keyClick(warning_box(live_window), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: warning_box(live_window) is None, timeout=5000)
    assert outbox_kinds(actions) == []
    page.composer.set_mode(True)  # an internal note goes out without the check
    page.composer.editor.setPlainText("FYI Sam answered")
    page.composer.send()
    qtbot.waitUntil(lambda: outbox_kinds(actions) == ["note"], timeout=10_000)


def test_no_warning_when_nobody_else_replied(live_window, actions, qtbot):
    send(live_window.page, "All good")
    qtbot.waitUntil(lambda: outbox_kinds(actions) == ["reply"], timeout=10_000)
    assert warning_box(live_window) is None


def test_who_is_typing_shows_above_the_composer_and_goes(live_window, qtbot):
    page = live_window.page
    head = page.opened.thread.header
    board = live_window.services.floor.board
    line = live_window.actions_ctl.guard.line
    data = {"conversation": {"id": head.external_id}, "is_private": False, "account_id": head.account_id,
            "user": {"id": 2, "name": "Sam Other", "available_name": "Sam", "type": "user"}}
    board.on_event(head.account_id, "conversation.typing_on", data)
    qtbot.waitUntil(lambda: line.isVisible() and line.text() == "Sam is typing…", timeout=2000)
    board.on_event(head.account_id, "conversation.typing_off", data)
    qtbot.waitUntil(lambda: not line.isVisible(), timeout=2000)
    board.on_event(head.account_id, "conversation.typing_on", {"conversation": {"id": head.external_id}})
    assert board.rejected == 1


def test_typing_text_names_everyone():
    assert typing_text([]) == ""
    assert typing_text(["Sam"]) == "Sam is typing…"
    assert typing_text(["Sam", "Ada", "Customer"]) == "Sam, Ada and Customer are typing…"


def test_typing_in_the_composer_tells_the_sender_and_sending_stops_it(live_window, actions, qtbot):
    page = live_window.page
    typing = live_window.services.typing
    page.composer.editor.setFocus()
    qtbot.waitUntil(page.composer.editor.hasFocus, timeout=5000)
    QTest.keyClicks(page.composer.editor, "Hello")
    assert typing.typing_in == page.current_id
    QTest.keyClick(page.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert typing.typing_in is None  # the reply is going out: typing is over
    qtbot.waitUntil(lambda: outbox_kinds(actions) == ["reply"], timeout=10_000)
    assert typing.sent == []  # the hub could not be reached: nothing sent, nothing raised, nothing queued

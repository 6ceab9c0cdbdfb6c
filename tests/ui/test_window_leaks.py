"""The leak check itself: a window a test opens and leaves shown is found and closed; one it closed, or one
shown before the test, is not reported."""

from __future__ import annotations

from tests.window_leaks import close_left_behind, shown_windows


def test_a_window_left_shown_is_reported_and_closed(qapp) -> None:
    from PySide6.QtWidgets import QWidget

    before = shown_windows(qapp)
    left, closed = QWidget(), QWidget()
    left.setWindowTitle("forgotten")
    left.show()
    closed.show()
    closed.close()
    assert close_left_behind(qapp, before) == ["QWidget 'forgotten'"]
    assert not left.isVisible()
    assert close_left_behind(qapp, before) == []


def test_windows_shown_before_the_test_are_not_its_leaks(qapp) -> None:
    from PySide6.QtWidgets import QWidget

    earlier = QWidget()
    earlier.show()
    before = shown_windows(qapp)
    assert close_left_behind(qapp, before) == []
    assert earlier.isVisible()
    earlier.close()

"""ui.search_popup: search as you type opens the conversation of a hit, hits without a conversation (orders) are
shown but not opened, and the search waits for three letters unless it is an order number."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def test_search_popup_as_you_type_opens_a_conversation(qtbot, filled):
    from deskapp.ui.search_popup import SearchPopup
    from deskapp.ui.tasks import TaskRunner

    tasks = TaskRunner()
    popup = SearchPopup(filled.db, tasks)
    qtbot.addWidget(popup)
    popup.show()
    opened = []
    popup.conversation_opened.connect(lambda cid, mid: opened.append(cid))
    QTest.keyClicks(popup.query, "conversation 7 parc")
    qtbot.waitUntil(lambda: popup.results.count() > 0, timeout=5000)
    assert "result(s) in" in popup.info.text()
    QTest.keyClick(popup.query, Qt.Key.Key_Return)
    assert opened and opened[0] == popup.last_hits[0].conversation_id
    tasks.wait()


def test_search_hits_without_a_conversation_are_shown_but_not_opened(qtbot, filled):
    from deskapp.services.search import SearchHit
    from deskapp.ui.search_popup import SearchPopup
    from deskapp.ui.tasks import TaskRunner

    popup = SearchPopup(filled.db, TaskRunner())
    qtbot.addWidget(popup)
    opened = []
    popup.conversation_opened.connect(lambda cid, mid: opened.append(cid))
    popup.query.setText("k")
    popup._show(("k", [SearchHit(None, None, "order #1 paid", "Kim", "", -1.0, kind="order", order_id=1),
                       SearchHit(3, 9, "hello", "Customer 3", "Where", 1.0)], 0.001))
    assert popup.results.item(0).text().startswith("[order]")
    popup._open(popup.results.item(0))
    assert opened == []
    popup._open(popup.results.item(1))
    assert opened == [3]


def test_search_waits_for_three_letters_but_not_for_order_numbers(qtbot, filled):
    from deskapp.ui.search_popup import SearchPopup
    from deskapp.ui.tasks import TaskRunner

    calls = []

    def searcher(db, text, limit=50):
        calls.append(text)
        return text, [], 0.0

    popup = SearchPopup(filled.db, TaskRunner(), searcher=searcher)
    qtbot.addWidget(popup)
    for text in ("p", "pa", "#1", "12", "par"):
        popup.query.setText(text)
        popup._timer.stop()
        popup._run()
    qtbot.waitUntil(lambda: len(calls) == 3, timeout=3000)
    assert sorted(calls) == ["#1", "12", "par"]

"""The conversation list across refreshes (what a sync does to it): the open conversation stays selected,
listed and where it was on screen, while rows are re-sorted, inserted above it, or it leaves the view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest

from tests.ui.fill import NOW, fill


@pytest.fixture
def busy(qtbot, ws, services):
    """The main window over 200 conversations (the open view scrolls), on the All open view."""
    from deskapp.ui.main_window import MainWindow

    fill(ws.db, conversations=200)
    settings = QSettings(str(ws.paths.data_dir / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(ws, services, settings=settings, extras=False)
    qtbot.addWidget(win)
    win.resize(1440, 860)
    win.show()
    page = win.page
    qtbot.waitUntil(lambda: page.current_view is not None and page.opened is not None, timeout=10_000)
    page.select_view_key("open")
    qtbot.waitUntil(lambda: page.current_view.key == "open" and page.model.rowCount() > 60, timeout=10_000)
    yield win
    win.close()
    win.tasks.wait(10_000)


def _open_mid_screen(page, qtbot) -> tuple[int, int]:
    """Scroll halfway, open the conversation in the middle of the screen: (its id, its y on screen)."""
    table = page.table
    table.verticalScrollBar().setValue(table.verticalScrollBar().maximum() // 2)
    row = table.indexAt(QPoint(5, table.viewport().height() // 2)).row()
    cid = page.model.id_at(row)
    table.set_current_row(row)
    qtbot.waitUntil(lambda: page.opened is not None and page.opened.thread.header.id == cid, timeout=5000)
    return cid, table.row_top(row)


def _add(ws, cid: int, last: int, status: str = "open") -> None:
    with ws.db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO conversation(id, account_id, external_id, customer_id, channel, subject, snippet, status,"
            " priority, labels, created_at, updated_at, last_message_at, unread) VALUES (?, 1, ?, 1, 'email',"
            " 'New question', 'hello', ?, 'none', '[]', ?, ?, ?, 1)", (cid, f"new{cid}", status, last, last, last))


def _refresh(page, qtbot) -> None:
    with qtbot.waitSignal(page.list_loaded, timeout=10_000):
        page.refresh()
    qtbot.waitUntil(lambda: not page.window().tasks.busy(), timeout=10_000)


def _assert_selected_in_place(page, cid: int, y: int) -> None:
    row = page.model.row_of(cid)
    assert row >= 0
    assert page.current_id == cid and page.opened.thread.header.id == cid
    assert page.table.current_row() == row and page.table.selected_rows() == [row]
    assert page.table.row_top(row) == y  # the viewport did not jump


def test_resort_and_rows_inserted_above_keep_the_open_row_selected_and_still(busy, ws, qtbot):
    page = busy.page
    cid, y = _open_mid_screen(page, qtbot)
    old_row = page.model.row_of(cid)

    for n in range(5):  # new conversations at the top
        _add(ws, 1000 + n, NOW + 3600 + n)
    below = [page.model.id_at(r) for r in range(old_row + 1, old_row + 4)]
    above = page.model.id_at(old_row - 3)
    with ws.db.write() as conn:  # a re-sort: rows from below jump to the top, one from above to the end
        for i, other in enumerate(below):
            conn.exec_driver_sql("UPDATE conversation SET last_message_at = ? WHERE id = ?", (NOW + 7200 + i, other))
        conn.exec_driver_sql("UPDATE conversation SET last_message_at = 1 WHERE id = ?", (above,))
    _refresh(page, qtbot)
    assert page.model.row_of(cid) == old_row + 5 + 3 - 1  # it moved down in the list...
    _assert_selected_in_place(page, cid, y)  # ...and on screen it stayed where the agent was looking
    assert page.model.outside == set()
    for n in range(3):  # refresh after refresh, still in place
        _add(ws, 2000 + n, NOW + 9000 + n)
        _refresh(page, qtbot)
        _assert_selected_in_place(page, cid, y)


def test_open_conversation_leaving_the_view_stays_listed_marked_until_the_agent_moves(busy, ws, qtbot):
    page = busy.page
    cid, y = _open_mid_screen(page, qtbot)

    with ws.db.write() as conn:  # someone else resolved it; meanwhile two new conversations came in
        conn.exec_driver_sql("UPDATE conversation SET status = 'resolved' WHERE id = ?", (cid,))
    _add(ws, 1000, NOW + 3600)
    _add(ws, 1001, NOW + 3601)
    _refresh(page, qtbot)
    _assert_selected_in_place(page, cid, y)
    assert page.model.outside == {cid}
    content = page.model.content(page.model.row_of(cid))
    assert [c.text for c in content.state] == ["resolved · not in this view"] and content.outside
    assert page.sidebar.counts["open"] == page.model.rowCount() - 1  # listed, but not counted in the view
    _refresh(page, qtbot)  # nothing new: still there
    _assert_selected_in_place(page, cid, y)

    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_J)  # the agent moves on: the next refresh lets it go
    qtbot.waitUntil(lambda: page.current_id not in (None, cid), timeout=5000)
    moved_to = page.current_id
    y_next = page.table.row_top(page.model.row_of(moved_to))
    _refresh(page, qtbot)
    assert page.model.row_of(cid) == -1 and page.model.outside == set()
    assert page.table.current_row() == page.model.row_of(moved_to)
    assert page.table.row_top(page.model.row_of(moved_to)) == y_next  # anchored on the open row


def test_own_resolve_still_moves_on_to_the_next(busy, ws, qtbot):
    page = busy.page
    cid, _y = _open_mid_screen(page, qtbot)
    row = page.model.row_of(cid)
    nxt = page.model.id_at(row + 1)
    busy.actions_ctl.resolve()  # the agent's own action: no pinning, on to the next, like an archive
    qtbot.waitUntil(lambda: page.model.row_of(cid) == -1 and page.current_id == nxt, timeout=5000)
    assert page.table.current_row() == page.model.row_of(nxt)


def test_arrows_move_and_enter_opens(busy, qtbot):
    page = busy.page
    page.table.set_current_row(0)
    first = page.model.id_at(0)
    qtbot.waitUntil(lambda: page.current_id == first, timeout=5000)
    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: page.opened.thread.header.id == page.model.id_at(1), timeout=5000)
    QTest.keyClick(page.table, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: page.opened.thread.header.id == first, timeout=5000)
    with qtbot.waitSignal(page.table.activated, timeout=5000):
        QTest.keyClick(page.table, Qt.Key.Key_Return)


def test_views_leave_out_what_they_imply(busy, qtbot):
    page = busy.page

    def assigned() -> list[int]:  # (row_at asks for the rows not read yet)
        rows = [(r, page.model.row_at(r)) for r in range(page.model.rowCount())]
        return [r for r, record in rows if record is not None and record.assignee]

    qtbot.waitUntil(lambda: bool(assigned()), timeout=5000)
    row = assigned()[0]
    qtbot.waitUntil(lambda: page.model.content(row) is not None, timeout=5000)
    assert page.model.content(row).assignee  # All open: who has it
    page.select_view_key("mine")
    qtbot.waitUntil(lambda: page.current_view.key == "mine" and page.model.rowCount() > 0, timeout=5000)
    qtbot.waitUntil(lambda: page.model.content(0) is not None, timeout=5000)
    assert page.model.content(0).assignee == ""  # Mine: always me, not repeated on every row
    page.select_view_key("channel:email")
    qtbot.waitUntil(lambda: page.current_view.key == "channel:email" and page.model.rowCount() > 0, timeout=5000)
    qtbot.waitUntil(lambda: page.model.content(0) is not None, timeout=5000)
    assert page.model.content(0).channel == ""


def test_an_empty_view_says_so_once_its_ids_are_known(busy, qtbot):
    page = busy.page
    assert page.table.empty_text == ""
    page.show_id_list([], "Nothing behind this figure")
    assert page.model.rowCount() == 0 and page.table.empty_text == "No conversations in this view"
    page.table.viewport().grab()  # paints the message
    page.select_view_key("open")
    assert page.table.empty_text == ""  # loading: no verdict yet
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=5000)
    assert page.table.empty_text == ""

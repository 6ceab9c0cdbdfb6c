"""The conversation list model: qtmodeltester, on-demand pages, bounded cache, sort requests, live updates."""

from __future__ import annotations

from PySide6.QtCore import Qt

from deskapp.services import inbox
from deskapp.ui.inbox_model import ID_ROLE, MAX_CACHED, PAGE, ConversationModel


def test_model_passes_qtmodeltester(qtmodeltester, filled):
    model = ConversationModel(lambda ids: inbox.rows_for(filled.db, ids))
    model.set_ids(inbox.view_ids(filled.db, inbox.ViewFilter()))
    qtmodeltester.check(model, force_py=True)
    model.update_ids(list(reversed(model.ids())))
    qtmodeltester.check(model, force_py=True)


def test_rows_are_read_a_page_at_a_time(filled):
    fetched: list[list[int]] = []

    def fetch(ids):
        fetched.append(list(ids))
        return inbox.rows_for(filled.db, ids)

    model = ConversationModel(fetch)
    ids = list(range(1, 31)) * 10  # 300 rows (ids repeat; enough to cross pages)
    model.set_ids(ids[:30])
    assert fetched == []  # nothing read until something is shown
    assert model.data(model.index(0, 0)) == inbox.rows_for(filled.db, [1])[1].customer
    assert len(fetched) == 1 and len(fetched[0]) <= PAGE
    model.data(model.index(5, 1))
    assert len(fetched) == 1  # same page: served from the cache
    assert model.data(model.index(3, 0), ID_ROLE) == 4


def test_cache_is_bounded_and_unread_is_bold(filled):
    rows = inbox.rows_for(filled.db, list(range(1, 31)))
    model = ConversationModel(lambda ids: {i: rows[(i - 1) % 30 + 1] for i in ids})
    model.set_ids(list(range(1, 20_001)))
    for row in range(0, 20_000, PAGE):
        model.data(model.index(row, 0))
    assert model.cache_size() <= MAX_CACHED + PAGE
    unread = next(r for r in rows.values() if r.unread)
    model2 = ConversationModel(lambda ids: {i: rows[i] for i in ids})
    model2.set_ids([unread.id])
    assert model2.data(model2.index(0, 0), Qt.ItemDataRole.FontRole).bold()


def test_sort_picker_requests_new_ids_once_per_change(filled):
    from deskapp.ui.conversation_list import SORTS, SortPicker

    model = ConversationModel(lambda ids: inbox.rows_for(filled.db, ids))
    picker = SortPicker()
    picker.sort_chosen.connect(model.set_sort)
    got = []
    model.sort_requested.connect(lambda key, desc: got.append((key, desc)))
    picker.combo.setCurrentIndex([title for *_, title in SORTS].index("Customer A–Z"))
    picker.set_current("customer", False)  # already so: no second request
    picker.set_current("sla_due_at", False)
    assert got == [("customer", False), ("sla_due_at", False)]
    assert all(key in inbox.SORT_COLUMNS for key, _desc, _title in SORTS)


def test_update_ids_resets_only_when_needed(filled, qtbot):
    model = ConversationModel(lambda ids: inbox.rows_for(filled.db, ids))
    model.set_ids([1, 2, 3])
    with qtbot.assertNotEmitted(model.modelReset):
        assert model.update_ids([1, 2, 3], {2}) is False
    with qtbot.waitSignal(model.modelReset):
        assert model.update_ids([3, 1, 2]) is True
    assert model.row_of(3) == 0 and model.id_at(5) is None


def test_append_ids_extends_without_a_reset(filled, qtbot, qtmodeltester):
    model = ConversationModel(lambda ids: inbox.rows_for(filled.db, ids))
    model.set_ids([1, 2, 3])
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.rowsInserted):
        model.append_ids([4, 5])
    assert model.rowCount() == 5 and model.row_of(5) == 4
    qtmodeltester.check(model, force_py=True)


def test_list_rows_carry_accessible_text_once_loaded(filled, qtbot):
    from deskapp.ui.conversation_list import ConversationListView

    model = ConversationModel(lambda ids: inbox.rows_for(filled.db, ids),
                              submit=lambda ids, done: done(inbox.rows_for(filled.db, ids)))  # a worker, inline
    view = ConversationListView(model)
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    model.set_ids(inbox.view_ids(filled.db, inbox.ViewFilter()))
    relayouts = []  # the list view lays out every row again after any change of its own model's data
    view.rows.dataChanged.connect(lambda *_: relayouts.append(1))
    model.data(model.index(0, 0))  # asks for the first page; its arrival reports the rows changed
    text = view.rows.data(view.rows.index(0, 0), Qt.ItemDataRole.AccessibleTextRole)
    assert text and text.startswith(model.data(model.index(0, 0)))
    assert relayouts == []


def test_rows_are_found_by_id_in_the_packed_ids():
    # 256 = 0x100 and 1 = 0x01: their bytes side by side hold the bytes of other ids at odd offsets
    ids = [256, 1, 2**40 + 7, -1, 65_536, 1 << 62]
    model = ConversationModel(lambda _ids: {})
    model.set_ids(ids)
    assert [model.row_of(cid) for cid in ids] == list(range(len(ids)))
    assert model.row_of(1 << 8 << 56) == -1 and model.row_of(2**70) == -1 and model.row_of(3) == -1
    model.append_ids([3, 4])
    assert model.row_of(3) == 6 and model.row_of(4) == 7 and model.row_of(256) == 0  # "not listed" forgotten
    model.set_ids([4, 3])
    assert model.row_of(3) == 1 and model.row_of(256) == -1
    assert model.is_prefix_of([4, 3, 9]) and not model.is_prefix_of([4]) and not model.is_prefix_of([3, 4, 9])


def test_a_page_arriving_after_the_ids_moved_repaints_the_rows_where_they_are_now(filled, qtbot):
    pending = []
    model = ConversationModel(lambda ids: inbox.rows_for(filled.db, ids),
                              submit=lambda ids, done: pending.append((ids, done)))
    model.set_ids(list(range(1, 31)))
    model.data(model.index(0, 0))
    ids, done = pending.pop()
    model.update_ids([100, *range(30, 0, -1)])  # a sync moved every row while the page was read
    changed = []
    model.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), bottom.row())))
    done(inbox.rows_for(filled.db, ids))
    assert changed == [(1, 30)]
    assert model.row_at(30).id == 1


def test_invalidating_rows_marks_them_out_of_date_with_few_signals(filled):
    from deskapp.ui.inbox_model import FEW_ROWS

    reads: list[list[int]] = []
    model = ConversationModel(lambda ids: reads.append(list(ids)) or inbox.rows_for(filled.db, ids))
    model.set_ids(list(range(1, 31)))
    model.data(model.index(0, 0))
    changed = []
    model.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), bottom.row())))
    model.invalidate({3, 999})  # 999 is not listed
    assert changed == [(2, 2)]
    model.data(model.index(2, 0))
    assert reads[-1] == [3]  # read again, alone
    changed.clear()
    model.invalidate(set(range(1, FEW_ROWS + 2)))
    assert changed == [(0, 29)]

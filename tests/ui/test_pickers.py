"""ui.pickers: the keyboard-first choice list (type to filter, arrows, Enter), the label editor and the shortcut
help, driven by keys as the agent would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableWidget

from deskapp.ui.pickers import ChoiceDialog, HelpDialog, LabelDialog

AGENTS = [("Ana Lima", 1, "ana@shop.example"), ("Bea Ruiz", 2, "bea@shop.example"), ("Carl Berg", 3, "")]


def shown(dialog: ChoiceDialog) -> list[str]:
    return [dialog.list.item(i).text().split("    ")[0] for i in range(dialog.list.count())]


def test_typing_filters_by_every_word_in_the_label_or_its_hint(qtbot):
    dialog = ChoiceDialog("Assign", AGENTS)
    qtbot.addWidget(dialog)
    assert shown(dialog) == ["Ana Lima", "Bea Ruiz", "Carl Berg"]
    QTest.keyClicks(dialog.filter, "shop bea")
    assert shown(dialog) == ["Bea Ruiz"]
    dialog.filter.setText("nobody")
    assert shown(dialog) == [] and dialog.list.currentItem() is None
    QTest.keyClick(dialog.filter, Qt.Key.Key_Return)  # nothing to choose: nothing chosen, still open
    assert dialog.chosen is None and dialog.result() == 0


def test_arrows_move_within_the_list_and_enter_chooses(qtbot):
    dialog = ChoiceDialog("Assign", AGENTS, filter_text="")
    qtbot.addWidget(dialog)
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_PageDown):
        QTest.keyClick(dialog.filter, key)
    assert dialog.list.currentRow() == 2  # clamped at the end
    QTest.keyClick(dialog.filter, Qt.Key.Key_PageUp)
    QTest.keyClick(dialog.filter, Qt.Key.Key_Down)
    QTest.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert dialog.chosen == 2 and dialog.result() == ChoiceDialog.DialogCode.Accepted


def test_a_preview_shows_the_hint_as_plain_text(qtbot):
    templates = [("Refund", 10, "<b>Hi</b> {{ name }}"), ("Shipping", 11, "It left today")]
    dialog = ChoiceDialog("Templates", templates, preview=True, filter_text="ship")
    qtbot.addWidget(dialog)
    assert shown(dialog) == ["Shipping"] and dialog.preview.text() == "It left today"
    dialog.filter.clear()
    assert dialog.preview.text() == "<b>Hi</b> {{ name }}"
    assert dialog.preview.textFormat() == Qt.TextFormat.PlainText


def test_labels_tick_untick_and_add_without_duplicates(qtbot):
    dialog = LabelDialog(["vip"], ["vip", "refund", "b2b"])
    qtbot.addWidget(dialog)
    assert dialog.labels() == ["vip"] and dialog.list.count() == 3
    dialog._toggle(dialog.list.item(1))
    dialog._toggle(dialog.list.item(0))
    assert dialog.labels() == ["refund"]
    QTest.keyClicks(dialog.new, "  B2B ")
    QTest.keyClick(dialog.new, Qt.Key.Key_Return)  # the known label, whatever the case: ticked, not added
    QTest.keyClicks(dialog.new, "damaged")
    QTest.keyClick(dialog.new, Qt.Key.Key_Return)
    assert dialog.labels() == ["refund", "b2b", "damaged"] and dialog.list.count() == 4
    assert dialog.new.text() == ""
    QTest.keyClick(dialog.new, Qt.Key.Key_Return)  # Enter on an empty box: done
    assert dialog.result() == LabelDialog.DialogCode.Accepted


def test_the_help_lists_every_shortcut(qtbot):
    dialog = HelpDialog([("J", "Next conversation"), ("—", "Show the outbox")])
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget)
    assert [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())] == [
        ("J", "Next conversation"), ("—", "Show the outbox")]

"""ui.bulk_answer: one template for every conversation of an intent — each reply personalised and previewed,
unticked ones left out of the count, all queued at once."""

from __future__ import annotations

from PySide6.QtCore import Qt

from deskapp.services import templates as svc
from deskapp.ui.bulk_answer import BulkAnswerDialog
from tests.ui.test_templates_tab import _wismo


def test_bulk_answer_dialog_queues_forty_personalised_replies(qtbot, ws, actions):
    ids = _wismo(ws.db, 40)
    svc.ensure_default_templates(ws.profile)
    template = next(t for t in svc.list_templates(ws.db, ws.profile, intent="order_status") if "tracking_url" in t.body)
    dialog = BulkAnswerDialog(ws.db, ws.profile, actions, intent="order_status", template_id=template.id,
                              confirm=False)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.template_box.currentData() == template.id, timeout=10_000)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000) as loaded:
        dialog.load()
    assert loaded.args == [40]
    dialog.list.setCurrentRow(5)
    assert "#3005" in dialog.preview.toPlainText() and "https://track.example/3005" in dialog.preview.toPlainText()
    dialog.list.item(3).setCheckState(Qt.CheckState.Unchecked)
    assert dialog.send_button.text() == "Send 39 replies"
    dialog.list.item(3).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(dialog.sent) as sent:
        dialog.send_button.click()
    assert len(sent.args[0]) == 40
    with ws.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT conversation_id, text FROM message WHERE direction = 'out'").all()
    assert len(rows) == 40
    assert all(f"#{3000 + ids.index(cid)}" in text for cid, text in rows)

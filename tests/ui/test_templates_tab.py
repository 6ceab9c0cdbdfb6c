"""The Templates tab: CRUD, live preview with problems shown (never a crash), JSON, Chatwoot import."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from deskapp.services import templates as svc
from deskapp.ui.templates_tab import TemplatesTab
from tests.copilot.helpers import T0, add_account, add_conversation, add_customer, add_message, add_order


def _wismo(db, n=40):
    ids = []
    with db.write() as conn:
        add_account(conn, agent_name="Sam Rivers")
        for i in range(n):
            cust = add_customer(conn, f"Cust{i} Doe")
            add_order(conn, cust, f"#{3000 + i}", tracking_url=f"https://track.example/{3000 + i}")
            cid = add_conversation(conn, f"w{i}", cust, subject=f"Order {i}")
            add_message(conn, cid, "in", "where is my order", at=T0 + i)
            conn.exec_driver_sql("UPDATE conversation SET intent = 'order_status' WHERE id = ?", (cid,))
            ids.append(cid)
    return ids


def _finished(qtbot, tab: TemplatesTab, action, *args) -> str:
    """Run one of the tab's buttons (they work on a worker) and return what its status line said."""
    with qtbot.waitSignal(tab.done, timeout=10_000) as done:
        action(*args)
    assert tab.status.text() == done.args[0]
    return done.args[0]


def _opened(qtbot, ws) -> TemplatesTab:
    """The tab, once its list (read on a worker) is shown."""
    tab = TemplatesTab(ws)
    qtbot.addWidget(tab)
    qtbot.waitUntil(lambda: tab.list.count() > 0, timeout=10_000)
    return tab


def test_edit_save_preview_and_delete(qtbot, ws):
    ids = _wismo(ws.db, 1)
    tab = _opened(qtbot, ws)
    assert tab.list.count() >= 20  # the default set
    tab.set_conversation(ids[0])
    qtbot.waitUntil(lambda: "Cust0" in tab.preview_label.text(), timeout=5000)
    tab.new_template()
    tab.name.setText("Tracking")
    tab.body.setPlainText("Hi {{ customer.first_name }}, {{ order.number }}: {{ order.tracking_url }}"
                          " {{ order.colour }}")
    tab.refresh_preview()
    assert tab.preview.toPlainText().startswith("Hi Cust0, #3000: https://track.example/3000")
    assert "unknown variable order.colour" in tab.problems.text()
    tab.body.setPlainText("{% for x in %}")
    tab.refresh_preview()
    assert "Error" in tab.problems.text() and tab.preview.toPlainText() == ""
    assert _finished(qtbot, tab, tab.save).startswith("Not saved")
    assert tab.current_id is None
    tab.body.setPlainText("Hello {{ customer.first_name }}")
    tab.intents.item(0).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(tab.listed, timeout=10_000):
        assert _finished(qtbot, tab, tab.save) == "Saved."
    saved = svc.get_template(ws.db, ws.profile, tab.current_id)
    assert saved.name == "Tracking" and saved.intents == ("order_status",)
    assert tab.list.currentItem().text() == "Tracking"
    with qtbot.waitSignal(tab.listed, timeout=10_000):
        assert _finished(qtbot, tab, tab.delete_current) == "Deleted."
    assert svc.get_template(ws.db, ws.profile, saved.id) is None
    tab.body.setPlainText("{{ ''.__class__.__mro__ }} {{ 'x' * 10000000 }}")
    tab.refresh_preview()
    assert "Error" in tab.problems.text()


def test_the_intents_a_template_answers_are_in_view(qtbot, ws):
    tab = _opened(qtbot, ws)
    tab.resize(1200, 800)
    tab.show()
    tid = svc.save_template(ws.profile, name="Subscriptions", body="Hi", intents=["subscription"])
    with qtbot.waitSignal(tab.listed):
        tab.reload(select=tid)
    item = tab.intents.findItems("subscription", Qt.MatchFlag.MatchExactly)[0]
    assert item.checkState() == Qt.CheckState.Checked
    assert tab.intents.viewport().rect().contains(tab.intents.visualItemRect(item))
    tab.new_template()  # nothing ticked: back to the top of the list
    assert tab.intents.viewport().rect().contains(tab.intents.visualItemRect(tab.intents.item(0)))


def test_json_files_and_chatwoot_import(qtbot, ws, tmp_path):
    with ws.db.write() as conn:
        add_account(conn)
        conn.exec_driver_sql("INSERT INTO template(account_id, external_id, name, body, shortcut, updated_at)"
                             " VALUES (1, '5', 'thanks', 'Thanks {{contact.name}}!', 'thx', 0)")
    tab = _opened(qtbot, ws)
    before = tab.list.count()
    with qtbot.waitSignal(tab.listed, timeout=10_000):
        assert _finished(qtbot, tab, tab.import_chatwoot) == "Imported 1 canned responses from Chatwoot."
    assert tab.list.count() == before + 1
    path = tmp_path / "t.json"
    assert _finished(qtbot, tab, tab.export_to, path) == f"Exported to {path}."
    assert len(json.loads(path.read_text())["templates"]) == before  # synced originals are not exported
    bad = tmp_path / "bad.json"
    bad.write_text("{ nope")
    assert _finished(qtbot, tab, tab.import_from, bad).startswith("Nothing imported")
    assert _finished(qtbot, tab, tab.import_from, tmp_path / "missing.json").startswith("Nothing imported")
    assert _finished(qtbot, tab, tab.import_from, path) == f"Imported {before} templates."


def test_in_the_main_window_the_preview_uses_the_open_conversation(qtbot, filled, services):
    from PySide6.QtCore import QSettings

    from deskapp.ui.main_window import MainWindow

    settings = QSettings(str(filled.paths.data_dir / "ui-t.ini"), QSettings.Format.IniFormat)
    win = MainWindow(filled, services, settings=settings, extras=True)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.page.current_id is not None, timeout=10_000)
        tab = next(win.tabs.widget(i) for i in range(win.tabs.count()) if isinstance(win.tabs.widget(i), TemplatesTab))
        win.tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: tab.conversation_id == win.page.current_id and bool(tab.context), timeout=10_000)
        assert tab.preview_label.text().startswith("Preview for")
    finally:
        win.close()
        win.tasks.wait(10_000)

"""The suggestions panel: sources shown, Tab inserts, an AI draft streamed from a loopback LLM, cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt

from deskapp.services.suggestions import SuggestionService
from deskapp.store import profile_records
from deskapp.ui.suggestions_panel import SuggestionsPanel
from tests.copilot.helpers import T0, add_account, add_conversation, add_customer, add_message, add_order
from tests.copilot.llm_server import FakeLLM
from tests.profile_helpers import adopt_cache_accounts


def _conversation(db):
    with db.write() as conn:
        add_account(conn, agent_name="Sam Rivers")
        cust = add_customer(conn, "Zoë Álvarez", "zoe@example.com")
        add_order(conn, cust, "#1042", tracking_url="https://track.example/1042")
        cid = add_conversation(conn, "c1", cust, subject="Where is my order")
        add_message(conn, cid, "in", "Where is my order? No tracking yet", at=T0)
        conn.exec_driver_sql("UPDATE conversation SET intent = 'order_status' WHERE id = ?", (cid,))
    return cid


def test_panel_lists_suggestions_with_source_and_tab_inserts(qtbot, ws):
    cid = _conversation(ws.db)
    panel = SuggestionsPanel(SuggestionService(ws.db, ws.profile, ws.secrets))
    qtbot.addWidget(panel)
    got: list[str] = []
    panel.accepted.connect(got.append)
    with qtbot.waitSignal(panel.suggestions_shown, timeout=10_000):
        panel.set_conversation(cid)
    assert panel.list.count() >= 1
    assert "[Template]" in panel.list.item(0).text()
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Tab)
    assert len(got) == 1 and "#1042" in got[0] and "https://track.example/1042" in got[0]
    panel.set_conversation(None)
    assert panel.list.count() == 0 and not panel.accept_current()


def test_panel_streams_an_ai_draft_and_can_cancel(qtbot, ws):
    cid = _conversation(ws.db)
    with FakeLLM() as server:
        service = SuggestionService(ws.db, ws.profile, ws.secrets)
        panel = SuggestionsPanel(service)
        qtbot.addWidget(panel)
        with qtbot.waitSignal(panel.suggestions_shown, timeout=10_000):
            panel.set_conversation(cid)
        assert not panel.start_draft() and "AI settings" in panel.status.text()
        service.save_llm_config(url=server.url, model="tiny", enabled=True)
        pieces: list[str] = []
        panel.accepted.connect(pieces.append)
        with qtbot.waitSignal(panel.draft_finished, timeout=10_000) as finished:
            assert panel.start_draft()
        assert finished.args[0] == server.reply and "".join(pieces) == server.reply
        server.mode = "slow"
        pieces.clear()
        assert panel.start_draft() and panel.draft_button.text() == "Stop"
        qtbot.waitUntil(lambda: bool(pieces), timeout=5_000)
        panel.draft_button.click()
        assert panel.draft_button.text() == "Draft with AI" and "cancelled" in panel.status.text()
        qtbot.wait(300)
        count = len(pieces)
        qtbot.wait(300)
        assert len(pieces) == count, "nothing more arrives after cancel"
        server.mode = "status:500"
        with qtbot.waitSignal(panel.draft_failed, timeout=10_000):
            panel.start_draft()
        assert "HTTP 500" in panel.status.text()
        panel.runner.wait(5_000)


def test_correcting_a_label_from_the_panel_locks_it_and_refreshes(qtbot, ws):
    cid = _conversation(ws.db)
    adopt_cache_accounts(ws.db, ws.profile)
    panel = SuggestionsPanel(SuggestionService(ws.db, ws.profile, ws.secrets))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.suggestions_shown, timeout=10_000):
        panel.set_conversation(cid)
    box = panel.label_boxes["intent"]
    assert box.currentData() == "order_status"
    box.setCurrentIndex(box.findData("delivery_problem"))
    with qtbot.waitSignal(panel.triage_corrected, timeout=10_000):
        box.activated.emit(box.currentIndex())
    with ws.db.read() as conn:
        row = conn.exec_driver_sql("SELECT intent, triage_locked FROM conversation WHERE id = ?", (cid,)).one()
    with ws.profile.read() as conn:
        stored = [c.new_value for c in profile_records.corrections(conn)]
    assert tuple(row) == ("delivery_problem", 1) and stored == ["delivery_problem"]
    qtbot.waitUntil(lambda: panel.label_boxes["intent"].currentData() == "delivery_problem", timeout=10_000)


def test_llm_settings_dialog_from_the_panel_saves_url_model_and_key(qtbot, ws):
    panel = SuggestionsPanel(SuggestionService(ws.db, ws.profile, ws.secrets))
    qtbot.addWidget(panel)
    panel.open_llm_settings()
    dialog = panel.settings_dialog
    box = dialog.box
    qtbot.waitUntil(lambda: box.ready, timeout=10_000)
    assert box.url.text() == "http://localhost:11434/v1"
    box.url.setText("http://127.0.0.1:8080/v1")
    box.model.setText("qwen")
    box.enabled.setChecked(True)
    box.key.setText("sk-abc")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.save_button.click()
    cfg = panel.service.llm_config()
    assert (cfg.url, cfg.model, cfg.enabled, cfg.has_key) == ("http://127.0.0.1:8080/v1", "qwen", True, True)
    assert ws.secrets.get(0, "llm") == "sk-abc" and box.key.text() == ""


def test_tab_in_an_empty_composer_inserts_the_selected_suggestion(qtbot, ws):
    from PySide6.QtWidgets import QPlainTextEdit

    cid = _conversation(ws.db)
    panel = SuggestionsPanel(SuggestionService(ws.db, ws.profile, ws.secrets))
    editor = QPlainTextEdit()
    editor.setTabChangesFocus(False)
    qtbot.addWidget(panel)
    qtbot.addWidget(editor)
    panel.attach_composer(editor)
    panel.accepted.connect(editor.insertPlainText)
    with qtbot.waitSignal(panel.suggestions_shown, timeout=10_000):
        panel.set_conversation(cid)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert "#1042" in editor.toPlainText()
    before = editor.toPlainText()
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # the composer has text now: Tab is the editor's again
    assert editor.toPlainText() == before + "\t"


def test_in_the_main_window_suggestions_follow_the_open_conversation_and_tab_inserts(qtbot, filled, services):
    from PySide6.QtCore import QSettings

    from deskapp.ui.main_window import MainWindow

    settings = QSettings(str(filled.paths.data_dir / "ui-g.ini"), QSettings.Format.IniFormat)
    win = MainWindow(filled, services, settings=settings, extras=True)
    qtbot.addWidget(win)
    win.show()
    try:
        panel = win.suggestions
        assert isinstance(panel, SuggestionsPanel)
        qtbot.waitUntil(lambda: win.page.current_id is not None, timeout=10_000)
        cid = win.page.current_id
        with filled.db.write() as conn:
            conn.exec_driver_sql("UPDATE conversation SET intent = 'order_status' WHERE id = ?", (cid,))
        win.page.open_conversation(cid)
        # The first open's suggestions (read before the intent changed) may still arrive: wait for the
        # ones that follow the new intent rather than for the next signal.
        qtbot.waitUntil(lambda: bool(panel.suggestions) and panel.conversation_id == cid, timeout=10_000)
        editor = win.page.composer.editor
        editor.clear()
        editor.setFocus()
        qtbot.keyClick(editor, Qt.Key.Key_Tab)
        assert editor.toPlainText().strip() == panel.suggestions[0].text.strip()
    finally:
        win.close()
        win.tasks.wait(10_000)
        panel.runner.wait(10_000)



def _help_article(db) -> str:
    """One published help article in the cache (as a sync leaves it); returns its URL."""
    from deskapp.store import help_articles

    url = "https://help.shop.example/hc/help/articles/1700000000-how-long-does-shipping-take"
    with db.write() as conn:
        help_articles.replace_portal(conn, 1, "help", [{
            "portal_slug": "help", "external_id": "1", "slug": url.rsplit("/", 1)[1],
            "title": "How long does shipping take?", "description": "Delivery times by country",
            "body": "We pack every order within 1 business day. Germany, Austria, Netherlands: 3-5 business days."
                    " Rest of the world: 7-14 business days.", "locale": "en", "category": "Shipping & delivery",
            "status": "published", "url": url, "updated_at": T0}], T0)
    return url


def test_an_article_is_listed_and_inserts_its_excerpt_and_link_and_a_draft_lists_the_ones_it_used(
        qtbot, ws, tmp_path):
    with ws.db.write() as conn:
        add_account(conn, agent_name="Sam Rivers")
        cust = add_customer(conn, "Jonas Weber", "jonas@example.com")
        cid = add_conversation(conn, "c1", cust, subject="Shipping")
        add_message(conn, cid, "in", "Hi, how long does shipping to Germany take?", at=T0)
    url = _help_article(ws.db)
    with FakeLLM(reply=f"Hi Jonas, it takes 3-5 business days: {url}") as server:
        service = SuggestionService(ws.db, ws.profile, ws.secrets)
        panel = SuggestionsPanel(service)
        qtbot.addWidget(panel)
        with qtbot.waitSignal(panel.suggestions_shown, timeout=10_000):
            panel.set_conversation(cid)
        rows = [panel.list.item(i).text() for i in range(panel.list.count())]
        article = next(i for i, text in enumerate(rows) if "[Article] How long does shipping take?" in text)
        assert url in panel.list.item(article).toolTip()
        got: list[str] = []
        panel.accepted.connect(got.append)
        assert panel.accept(article)
        assert "Germany" in got[0] and got[0].endswith(url) and len(got[0]) < 300
        service.save_llm_config(url=server.url, model="tiny", enabled=True)
        with qtbot.waitSignal(panel.draft_finished, timeout=10_000):
            assert panel.start_draft()
        assert not panel.sources.isHidden() and "How long does shipping take?" in panel.sources.text()
        assert url in panel.sources.text()
        panel.resize(560, 420)
        assert panel.grab().save(str(tmp_path / "suggestions.png"))
        panel.set_conversation(None)
        assert panel.sources.isHidden()

"""Hard cases of the main window: each opens, shows and stays usable. How long the GUI thread is kept busy
meanwhile is measured by the benchmark tests/perf/test_gui_stall_bench.py, not asserted here."""

from __future__ import annotations

from tests.ui.fill import NOW, add_messages
from tests.ui.hard_cases import (
    SyncWriter,
    add_big_thread,
    add_huge_html,
    add_many_orders,
    open_and_wait,
    scroll_while_syncing,
)


def test_conversation_of_5000_messages(window, filled, qtbot):
    cid = add_big_thread(filled.db)
    page = open_and_wait(window, qtbot, cid)
    assert page.opened.thread.total == 5004 and len(page.opened.thread.messages) == 200
    assert "Show 1000 earlier message(s) of 5004" in page.thread_view.toPlainText()
    for expected_offset in (200, 1200, 2200, 3200, 4200):  # page back to the first message
        page.show_more()
        qtbot.waitUntil(lambda o=expected_offset: page.opened is not None and page.opened.thread.offset == o
                        and not page.thread_view.rendering, timeout=60_000)
    assert len(page.opened.thread.messages) == 804
    text = page.thread_view.toPlainText()
    assert "message 0 of conversation 3" in text and "Show newer messages (4200 more)" in text


def test_ten_megabyte_html_message(window, filled, qtbot):
    page = open_and_wait(window, qtbot, add_huge_html(filled.db))
    text = page.thread_view.toPlainText()
    assert "Long message shown as text" in text and "Line item bold" in text
    assert "alert(1)" not in text
    assert not any("tracker.example.com" in u for u in page.thread_view.blocked)


def test_message_with_only_attachments(window, filled, qtbot):
    with filled.db.write() as conn:
        conn.exec_driver_sql("INSERT INTO message(id, account_id, external_id, conversation_id, direction, text,"
                             " sent_at, has_attachments) VALUES (300000, 1, 'att', 5, 'in', '', ?, 1)", (NOW,))
        conn.exec_driver_sql("INSERT INTO attachment(message_id, filename, content_type, size, url) VALUES"
                             " (300000, 'photo of damaged box.jpg', 'image/jpeg', 245760, ''),"
                             " (300000, 'invoice.pdf', 'application/pdf', 1024, '')")
    page = open_and_wait(window, qtbot, 5)
    text = page.thread_view.toPlainText()
    assert "photo of damaged box.jpg" in text and "240.0 KB" in text and "invoice.pdf" in text
    html = page.thread_view.toHtml()
    assert "deskapp:attachment/" in html


def test_right_to_left_text_and_emoji(window, filled, qtbot):
    arabic = "مرحبا، أين طلبي رقم ١٠٤٢؟ 😀👍🏽"
    hebrew = "שלום, ההזמנה שלי לא הגיעה 📦"
    with filled.db.write() as conn:
        conn.exec_driver_sql("UPDATE customer SET name = 'سارة أحمد 🌸' WHERE id = 7")
        conn.exec_driver_sql("UPDATE conversation SET customer_id = 7, subject = ? WHERE id = 6", (hebrew,))
    add_messages(filled.db, 6, 1, start_id=400_000, text_body=arabic)
    page = open_and_wait(window, qtbot, 6)
    assert arabic in page.thread_view.toPlainText()
    assert "سارة أحمد 🌸" in page.customer.name.text()
    assert hebrew in page.header.text()
    page.refresh()
    qtbot.waitUntil(lambda: page.model.row_of(6) < 0 or page.model.data(
        page.model.index(page.model.row_of(6), 0)) == "سارة أحمد 🌸", timeout=5000)


def test_customer_with_500_orders(window, filled, qtbot):
    conv = add_many_orders(filled.db)
    page = open_and_wait(window, qtbot, conv)
    qtbot.waitUntil(lambda: page.customer.orders.topLevelItemCount() == 502, timeout=10_000)
    first = page.customer.orders.topLevelItem(0)
    assert first.childCount() == 2  # the line and the tracking link
    assert "6,295.00 EUR" in page.customer.value.text()  # 500 × 12.50 + the two seeded orders (20 + 25)


def test_sync_writing_while_the_agent_scrolls(window, filled, qtbot):
    page = window.page
    page.select_view_key("open")
    qtbot.waitUntil(lambda: page.current_view.key == "open", timeout=5000)
    writer = SyncWriter(filled.db)
    scroll_while_syncing(window, qtbot, writer)
    assert writer.written >= 50
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() > 100, timeout=10_000)

"""Hard cases of issue 3, each measured with a GUI-thread heartbeat: no stall over 50 ms.

A stall is the CPU time the GUI thread itself spends between two 5 ms heartbeat ticks (our code
blocking it). Wall-clock gaps are also bounded, more loosely: on a loaded 2-core machine the OS may
run other processes at any time. Each measurement is retried (best of three) for the same reason.
"""

from __future__ import annotations

import threading
import time

from tests.ui.fill import NOW, add_messages

STALL_MS = 50
WALL_MS = 250
ATTEMPTS = 3


def stall_free(heartbeat, run_once) -> tuple[float, float]:
    """Run ``run_once()`` under the heartbeat until it stays within budget; (busy ms, wall ms) of the best run."""
    best = (1e9, 1e9)
    for _ in range(ATTEMPTS):
        with heartbeat:
            run_once()
        best = min(best, (heartbeat.busy_ms, heartbeat.worst_ms))
        if best[0] < STALL_MS and best[1] < WALL_MS:
            break
    print(f"\nGUI thread: longest busy stretch {best[0]:.1f} ms, longest gap {best[1]:.1f} ms")
    assert best[0] < STALL_MS and best[1] < WALL_MS, best
    return best


def _open(window, qtbot, cid, heartbeat, *, timeout=20_000):
    page = window.page

    def once() -> None:
        page.current_id = None
        page.opened = None
        page.open_conversation_anywhere(cid)
        qtbot.waitUntil(lambda: page.opened is not None and page.opened.thread.header.id == cid
                        and not page.thread_view.rendering, timeout=timeout)
        qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=timeout)

    stall_free(heartbeat, once)
    return page


def test_conversation_of_5000_messages(window, filled, qtbot, heartbeat):
    add_messages(filled.db, 3, 5000, start_id=100_000)
    page = _open(window, qtbot, 3, heartbeat)
    assert page.opened.thread.total == 5004 and len(page.opened.thread.messages) == 200
    assert "Show 1000 earlier message(s) of 5004" in page.thread_view.toPlainText()
    for expected_offset in (200, 1200, 2200, 3200, 4200):  # page back to the first message

        def once(o=expected_offset) -> None:
            page.thread_offset = o - (200 if o == 200 else 1000)  # so that a retry pages to the same place
            page.show_more()
            qtbot.waitUntil(lambda: page.opened is not None and page.opened.thread.offset == o
                            and not page.thread_view.rendering, timeout=30_000)

        stall_free(heartbeat, once)
    assert len(page.opened.thread.messages) == 804
    text = page.thread_view.toPlainText()
    assert "message 0 of conversation 3" in text and "Show newer messages (4200 more)" in text


def test_ten_megabyte_html_message(window, filled, qtbot, heartbeat):
    row = "<tr><td style='color:red'>Line item <b>bold</b> <img src='https://tracker.example.com/p.gif'></td></tr>"
    big = "<html><body><table>" + row * (10_000_000 // len(row)) + "</table><script>alert(1)</script></body></html>"
    with filled.db.write() as conn:
        conn.exec_driver_sql("INSERT INTO message(id, account_id, external_id, conversation_id, direction, text,"
                             " html, sent_at) VALUES (200000, 1, 'big', 4, 'in', '', ?, ?)", (big, NOW))
    page = _open(window, qtbot, 4, heartbeat, timeout=60_000)
    text = page.thread_view.toPlainText()
    assert "Long message shown as text" in text and "Line item bold" in text
    assert "alert(1)" not in text
    assert not any("tracker.example.com" in u for u in page.thread_view.blocked)


def test_message_with_only_attachments(window, filled, qtbot, heartbeat):
    with filled.db.write() as conn:
        conn.exec_driver_sql("INSERT INTO message(id, account_id, external_id, conversation_id, direction, text,"
                             " sent_at, has_attachments) VALUES (300000, 1, 'att', 5, 'in', '', ?, 1)", (NOW,))
        conn.exec_driver_sql("INSERT INTO attachment(message_id, filename, content_type, size, url) VALUES"
                             " (300000, 'photo of damaged box.jpg', 'image/jpeg', 245760, ''),"
                             " (300000, 'invoice.pdf', 'application/pdf', 1024, '')")
    page = _open(window, qtbot, 5, heartbeat)
    text = page.thread_view.toPlainText()
    assert "photo of damaged box.jpg" in text and "240.0 KB" in text and "invoice.pdf" in text
    html = page.thread_view.toHtml()
    assert "deskapp:attachment/" in html


def test_right_to_left_text_and_emoji(window, filled, qtbot, heartbeat):
    arabic = "مرحبا، أين طلبي رقم ١٠٤٢؟ 😀👍🏽"
    hebrew = "שלום, ההזמנה שלי לא הגיעה 📦"
    with filled.db.write() as conn:
        conn.exec_driver_sql("UPDATE customer SET name = 'سارة أحمد 🌸' WHERE id = 7")
        conn.exec_driver_sql("UPDATE conversation SET customer_id = 7, subject = ? WHERE id = 6", (hebrew,))
    add_messages(filled.db, 6, 1, start_id=400_000, text_body=arabic)
    page = _open(window, qtbot, 6, heartbeat)
    assert arabic in page.thread_view.toPlainText()
    assert "سارة أحمد 🌸" in page.customer.name.text()
    assert hebrew in page.header.text()
    page.refresh()
    qtbot.waitUntil(lambda: page.model.row_of(6) < 0 or page.model.data(
        page.model.index(page.model.row_of(6), 0)) == "سارة أحمد 🌸", timeout=5000)


def test_customer_with_500_orders(window, filled, qtbot, heartbeat):
    with filled.db.write() as conn:
        conn.exec_driver_sql(
            'INSERT INTO "order"(id, account_id, external_id, customer_id, number, placed_at, updated_at, total,'
            " currency, financial_status, fulfillment_status, tracking_numbers, tracking_urls)"
            " VALUES (?, 2, ?, 8, ?, ?, ?, 12.5, 'EUR', 'paid', 'fulfilled', '[\"T1\"]',"
            " '[\"https://track.example.com/T1\"]')",
            [(5000 + i, f"big{i}", f"#{5000 + i}", NOW - i * 3600, NOW) for i in range(500)])
        conn.exec_driver_sql("INSERT INTO order_line(order_id, title, quantity, unit_price) VALUES (?, ?, 1, 12.5)",
                             [(5000 + i, f"Item {i}") for i in range(500)])
        conv = conn.exec_driver_sql("SELECT id FROM conversation WHERE customer_id = 8 LIMIT 1").scalar()
    page = _open(window, qtbot, conv, heartbeat)
    qtbot.waitUntil(lambda: page.customer.orders.topLevelItemCount() == 502, timeout=10_000)
    first = page.customer.orders.topLevelItem(0)
    assert first.childCount() == 2  # the line and the tracking link
    assert "6,295.00 EUR" in page.customer.value.text()  # 500 × 12.50 + the two seeded orders (20 + 25)


def test_sync_writing_while_the_agent_scrolls(window, filled, qtbot, heartbeat):
    page = window.page
    page.select_view_key("open")
    qtbot.waitUntil(lambda: page.current_view.key == "open", timeout=5000)
    stop = threading.Event()

    next_ids = iter(range(10_000, 10_000_000, 50))

    def writer() -> None:  # what a sync does: many small write transactions
        while not stop.is_set():
            next_id = next(next_ids)
            with filled.db.write() as conn:
                for _ in range(50):
                    conn.exec_driver_sql(
                        "INSERT INTO conversation(id, account_id, external_id, customer_id, channel, subject,"
                        " status, created_at, updated_at, last_message_at) VALUES (?, 1, ?, 1, 'email', ?,"
                        " 'open', ?, ?, ?)", (next_id, f"sync{next_id}", f"synced {next_id}", NOW, NOW, NOW))
                    conn.exec_driver_sql(
                        "INSERT INTO message(account_id, external_id, conversation_id, direction, text, sent_at)"
                        " VALUES (1, ?, ?, 'in', 'hello from sync', ?)", (f"sm{next_id}", next_id, NOW))
                    next_id += 1
            time.sleep(0.005)

    def once() -> None:
        stop.clear()
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        deadline = time.monotonic() + 2.0
        bar = page.table.verticalScrollBar()
        while time.monotonic() < deadline:
            window.schedule_refresh()  # what each sync event does (coalesced)
            bar.setValue((bar.value() + 40) % max(bar.maximum(), 1))
            page.move(1)
            qtbot.wait(30)
        stop.set()
        thread.join()
        qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=10_000)

    stall_free(heartbeat, once)
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() > 100, timeout=10_000)

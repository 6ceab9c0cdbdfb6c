"""Hard cases for the main window (huge threads, huge HTML, hundreds of orders, a sync writing while the agent
scrolls), set up in a filled cache for the behaviour tests (tests/ui) and the GUI-stall benchmark (tests/perf)."""

from __future__ import annotations

import threading
import time

from tests.ui.fill import NOW, add_messages

BIG_THREAD = 3  # conversation ids of tests/ui/fill.fill's cache
HUGE_HTML = 4


def add_big_thread(db) -> int:
    """5,000 more messages in one conversation (5,004 in all)."""
    add_messages(db, BIG_THREAD, 5000, start_id=100_000)
    return BIG_THREAD


def add_huge_html(db) -> int:
    """A 10 MB HTML message (a table of line items with tracking pixels and a script)."""
    row = "<tr><td style='color:red'>Line item <b>bold</b> <img src='https://tracker.example.com/p.gif'></td></tr>"
    big = "<html><body><table>" + row * (10_000_000 // len(row)) + "</table><script>alert(1)</script></body></html>"
    with db.write() as conn:
        conn.exec_driver_sql("INSERT INTO message(id, account_id, external_id, conversation_id, direction, text,"
                             " html, sent_at) VALUES (200000, 1, 'big', ?, 'in', '', ?, ?)", (HUGE_HTML, big, NOW))
    return HUGE_HTML


def add_many_orders(db, customer_id: int = 8, count: int = 500) -> int:
    """``count`` orders (one line, one tracking link each) for a customer; returns one of their conversations."""
    with db.write() as conn:
        conn.exec_driver_sql(
            'INSERT INTO "order"(id, account_id, external_id, customer_id, number, placed_at, updated_at, total,'
            " currency, financial_status, fulfillment_status, tracking_numbers, tracking_urls)"
            " VALUES (?, 2, ?, ?, ?, ?, ?, 12.5, 'EUR', 'paid', 'fulfilled', '[\"T1\"]',"
            " '[\"https://track.example.com/T1\"]')",
            [(5000 + i, f"big{i}", customer_id, f"#{5000 + i}", NOW - i * 3600, NOW) for i in range(count)])
        conn.exec_driver_sql("INSERT INTO order_line(order_id, title, quantity, unit_price) VALUES (?, ?, 1, 12.5)",
                             [(5000 + i, f"Item {i}") for i in range(count)])
        return conn.exec_driver_sql("SELECT id FROM conversation WHERE customer_id = ? LIMIT 1",
                                    (customer_id,)).scalar()


def open_and_wait(window, qtbot, conversation_id: int, *, timeout: int = 60_000):
    """Open a conversation as the agent would and wait until its thread is rendered and no work is left."""
    page = window.page
    page.current_id = None
    page.opened = None
    page.open_conversation_anywhere(conversation_id)
    qtbot.waitUntil(lambda: page.opened is not None and page.opened.thread.header.id == conversation_id
                    and not page.thread_view.rendering, timeout=timeout)
    qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=timeout)
    return page


class SyncWriter:
    """What a sync does to the cache, on its own thread: many small write transactions of new conversations
    and messages, until stopped. ``written`` counts the conversations."""

    def __init__(self, db, first_id: int = 10_000) -> None:
        self.db = db
        self.next_id = first_id
        self.written = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.db.write() as conn:
                for _ in range(50):
                    cid = self.next_id
                    conn.exec_driver_sql(
                        "INSERT INTO conversation(id, account_id, external_id, customer_id, channel, subject,"
                        " status, created_at, updated_at, last_message_at) VALUES (?, 1, ?, 1, 'email', ?,"
                        " 'open', ?, ?, ?)", (cid, f"sync{cid}", f"synced {cid}", NOW, NOW, NOW))
                    conn.exec_driver_sql(
                        "INSERT INTO message(account_id, external_id, conversation_id, direction, text, sent_at)"
                        " VALUES (1, ?, ?, 'in', 'hello from sync', ?)", (f"sm{cid}", cid, NOW))
                    self.next_id += 1
                    self.written += 1
            time.sleep(0.005)

    def __enter__(self) -> SyncWriter:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def scroll_while_syncing(window, qtbot, writer: SyncWriter, seconds: float = 2.0) -> None:
    """Scroll the list and move the selection while ``writer`` writes and every sync event asks for a refresh."""
    page = window.page
    with writer:
        deadline = time.monotonic() + seconds
        bar = page.table.verticalScrollBar()
        while time.monotonic() < deadline:
            window.schedule_refresh()  # what each sync event does (coalesced)
            bar.setValue((bar.value() + 40) % max(bar.maximum(), 1))
            page.move_by(1)
            qtbot.wait(30)
    qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=30_000)

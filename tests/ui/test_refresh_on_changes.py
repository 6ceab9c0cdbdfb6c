"""The main window refreshes only what a sync batch changed: the touched rows and the counts, the open
thread only when its conversation changed, the customer panel only when its customer did."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from deskapp.bootstrap import build_sync_engine
from deskapp.domain import Batch, Contact, Direction, Message
from tests.ui.fill import NOW


class OnePage:
    """The service's side of one pass: one stream whose single page holds ``items``."""

    messages_per_conversation = False

    def __init__(self, items: list) -> None:
        self.items = items

    def streams(self) -> list[str]:
        return ["changes"]

    def pull(self, stream: str, cursor: str | None) -> Batch:
        return Batch(list(self.items), "1", True)


def inbound(conversation_id: int, text: str) -> Message:
    return Message(f"new-{conversation_id}", f"cw{conversation_id}", Direction.IN,
                   datetime.fromtimestamp(NOW + 3600, UTC), text=text, author_name="Customer")


@pytest.fixture
def reads(window, qtbot, monkeypatch):
    """Every read the window hands its workers from now on, as (function name, first id argument)."""
    qtbot.waitUntil(lambda: not window.tasks.busy() and not window.refresh_pending(), timeout=10_000)
    seen: list[tuple[str, object]] = []
    submit = window.tasks.submit

    def recording(fn, *args, **kwargs):
        name = getattr(fn, "__name__", repr(fn))
        seen.append((name, args[1] if len(args) > 1 else None))
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(window.tasks, "submit", recording)
    return seen


def sync_pass(window, qtbot, items: list) -> None:
    """One sync pass of account 1 bringing ``items``, on a thread of its own as in the app."""
    engine = build_sync_engine(window.ws, registry={"chatwoot": lambda _account, _secrets: OnePage(items)},
                               on_event=window.bridge)
    thread = threading.Thread(target=engine.sync_account_once, args=(1,))
    thread.start()
    thread.join(30)
    qtbot.waitUntil(lambda: window.refresh_pending(), timeout=5_000)
    qtbot.waitUntil(lambda: not window.refresh_pending() and not window.tasks.busy(), timeout=10_000)


def other_customers_conversation(window) -> int:
    """A listed conversation that is not the open one, of another customer than the open one's."""
    page = window.page
    shown = page.opened.profile
    theirs = {c.id for c in shown.conversations}
    return next(cid for cid in page.model.ids() if cid != page.current_id and cid not in theirs)


def test_a_batch_touching_one_conversation_refreshes_its_row_and_the_counts_only(window, qtbot, reads):
    page = window.page
    opened_before = page.opened
    target = other_customers_conversation(window)
    profile_shown = page.customer.profile

    sync_pass(window, qtbot, [inbound(target, "Any news about my parcel?")])

    names = [name for name, _ in reads]
    assert names.count("load_sidebar") == 1  # the counts, once
    assert names.count("packed_view_ids") == 1  # the view's ids, once (a new message may move the row)
    assert [ids for name, ids in reads if name == "rows_for"] == [[target]]  # that row and no other
    assert "load_conversation" not in names and "profile" not in names
    assert page.opened is opened_before  # the open thread was not read again
    assert page.customer.profile is profile_shown
    assert page.model.cached_row(target).snippet.startswith("Any news")


def test_a_batch_touching_the_open_conversation_reloads_its_thread(window, qtbot, reads):
    page = window.page
    current = page.current_id

    sync_pass(window, qtbot, [inbound(current, "Here is the photo of the box")])

    names = [name for name, _ in reads]
    assert names.count("load_conversation") == 1
    assert [ids for name, ids in reads if name == "rows_for"] == [[current]]
    assert "Here is the photo of the box" in page.opened.thread.messages[-1].text


def test_a_batch_touching_only_the_open_customer_reloads_the_panel_alone(window, qtbot, reads):
    page = window.page
    customer_id = page.opened.profile.id
    with window.ws.db.read() as conn:
        contact = conn.exec_driver_sql("SELECT external_id FROM contact WHERE customer_id = ?",
                                       (customer_id,)).scalar()

    sync_pass(window, qtbot, [Contact(contact, "Renamed Customer")])

    names = [name for name, _ in reads]
    # no counts, no list, no thread: the panel alone (the customer, then the actions queued on their orders)
    assert names == ["profile", "actions_for_orders"]
    assert page.customer.profile.id == customer_id


def test_a_lone_change_is_told_at_once_and_a_stream_of_them_at_most_every_600_ms(window, qtbot):
    from deskapp.ui.main_window import REFRESH_EVERY_MS, REFRESH_GATHER_MS

    timer = window._refresh_timer
    qtbot.waitUntil(lambda: not window.tasks.busy() and not window.refresh_pending(), timeout=10_000)
    qtbot.wait(REFRESH_EVERY_MS + 200)  # a quiet spell: the next change (a live event, say) need not wait
    window.schedule_refresh()
    assert window.refresh_pending() and timer.interval() == REFRESH_GATHER_MS
    qtbot.waitUntil(lambda: not window.refresh_pending(), timeout=5_000)
    window.schedule_refresh()  # right after a refresh: held until REFRESH_EVERY_MS have passed since it
    assert timer.remainingTime() > REFRESH_GATHER_MS
    qtbot.waitUntil(lambda: not window.refresh_pending(), timeout=5_000)


def test_the_poll_rereads_the_views_only_after_another_process_committed(window, qtbot, reads):
    import subprocess
    import sys

    page = window.page
    window.poll_other_writers()  # takes in this window's own writes so far (marking the open one read)
    qtbot.waitUntil(lambda: not window.tasks.busy() and not window.refresh_pending(), timeout=5_000)
    reads.clear()
    window.poll_other_writers()  # nobody wrote since: the views are not read again
    qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=5_000)
    qtbot.wait(50)
    assert not window.refresh_pending() and [name for name, _ in reads] == ["changed"]
    cid = other_customers_conversation(window)
    write = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("
             "'UPDATE conversation SET subject = ? WHERE id = ?', ('Written elsewhere', sys.argv[2])); c.commit()")
    subprocess.run([sys.executable, "-c", write, str(window.db.path), str(cid)], check=True)  # as `deskapp act` would
    window.poll_other_writers()
    qtbot.waitUntil(lambda: (page.model.cached_row(cid) or page.model.row_at(page.model.row_of(cid))).subject
                    == "Written elsewhere", timeout=10_000)


def test_a_poll_answered_after_the_window_closed_refreshes_nothing(window, qtbot, monkeypatch):
    qtbot.waitUntil(lambda: not window.tasks.busy() and not window.refresh_pending(), timeout=10_000)
    monkeypatch.setattr(window._commits, "changed", lambda: True)  # another process wrote meanwhile
    window.poll_other_writers()
    window.close()  # before the answer reaches the window: it would re-read closed files
    qtbot.wait(50)
    assert not window.refresh_pending()

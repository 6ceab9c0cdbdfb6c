"""The desktop's figures on one generated cache, for tests/perf/test_growth_bench.py, which runs this file in
a process of its own (so the RSS is the desktop's alone) and reads the figures it writes as JSON.

Not collected by ``pytest tests/perf`` (its name does not start with test_): the growth bench passes it by
path with DESKAPP_GROWTH_DATA (a data folder holding the cache copy) and DESKAPP_GROWTH_OUT (the JSON file).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import time
from pathlib import Path

import nh3
import psutil

from tests.perf.timing import best_of
from tests.ui.conftest import gui_services

KEYSTROKES = ("p", "pa", "par", "parc", "parce", "parcel", "parcel d", "parcel da", "parcel dam")
VIEWS = ("open", "resolved", "unassigned", "channel:email", "urgent", "mine", "resolved", "open")
SCROLL_FRAMES = 150  # screens paged through from the top, then as many jumps far into the list
# A big view's first rows come first; it asks for the rest of its ids when they arrive or 300 ms later at most.
SETTLE_MS = 400


def test_desktop_figures(qtbot):
    from PySide6.QtCore import QSettings

    from deskapp.bootstrap import Workspace
    from deskapp.paths import resolve_paths
    from deskapp.services.actions import ActionService
    from deskapp.services.profile_secrets import secret_store
    from deskapp.services.search import fts_query, search
    from deskapp.store.engine import Database
    from deskapp.store.outbox import OutboxStore
    from deskapp.store.profile import ProfileStore
    from deskapp.ui.main_window import MainWindow
    from deskapp.ui.search_popup import SearchPopup

    paths = resolve_paths(Path(os.environ["DESKAPP_GROWTH_DATA"])).ensure()
    out: dict[str, object] = {}
    raw = sqlite3.connect(paths.cache_db)
    open_ids = "SELECT id FROM conversation WHERE status IN ('open','pending') ORDER BY last_message_at DESC, id DESC"
    page_sql = ("SELECT c.*, cu.name FROM conversation c LEFT JOIN customer cu ON cu.id = c.customer_id"
                " WHERE c.id IN ({})")

    def raw_start() -> None:
        conn = sqlite3.connect(paths.cache_db)
        ids = [r[0] for r in conn.execute(open_ids)]
        conn.execute(page_sql.format(",".join(map(str, ids[:64])))).fetchall()
        conn.close()

    out["cold_start_baseline"] = best_of(raw_start, 3)
    profile = ProfileStore(paths.profile_db)
    workspace = Workspace(paths=paths, db=Database(paths.cache_db), secrets=secret_store(profile), profile=profile)
    outbox = OutboxStore(paths.outbox_db)
    actions = ActionService(workspace.db, outbox, workspace.profile)
    settings = QSettings(str(paths.data_dir / "ui.ini"), QSettings.Format.IniFormat)
    started = time.perf_counter()
    window = MainWindow(workspace, gui_services(workspace, actions), settings=settings, extras=False)
    qtbot.addWidget(window)
    window.show()
    page = window.page
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and page.model.cache_size() > 0, timeout=120_000)
    page.table.viewport().repaint()
    out["cold_start"] = time.perf_counter() - started

    # --- filter switch: rows on screen, with the app idle between clicks ------------------------------
    switches = []
    keys = {v.key for v in page.sidebar.views()}
    for key in VIEWS:
        if key not in keys:
            continue
        window.tasks.wait(120_000)
        qtbot.wait(20)
        with qtbot.waitSignal(page.model.rows_arrived, timeout=120_000):
            start = time.perf_counter()
            page.select_view_key(key)
        switches.append(time.perf_counter() - start)
        qtbot.wait(SETTLE_MS)  # a big view reads the rest of its ids next: not into the next switch's figure
    out["filter_switch"] = switches
    out["filter_switch_views"] = [k for k in VIEWS if k in keys]
    # the least a switch needs: the view's first ids (the app asks for 400 first) and a page of their rows
    out["filter_switch_baseline"] = best_of(lambda: raw.execute(page_sql.format(",".join(
        str(r[0]) for r in raw.execute("SELECT id FROM conversation WHERE status = 'resolved'"
                                       " ORDER BY last_message_at DESC, id DESC LIMIT 400").fetchall()[:64])))
        .fetchall(), 3)

    # --- scroll: paint per screen from the top, and a page of rows after a jump far down ----------------
    page.select_view_key("resolved")
    qtbot.wait(SETTLE_MS)
    window.tasks.wait(120_000)
    qtbot.waitUntil(lambda: page.current_view.key == "resolved"
                    and page.model.rowCount() == page.sidebar.counts.get("resolved"), timeout=120_000)
    window.tasks.wait(120_000)
    view = page.table
    bar = view.verticalScrollBar()
    step = view.viewport().height()
    frames = []
    for n in range(SCROLL_FRAMES):
        bar.setValue(n * step)
        start = time.perf_counter()
        view.viewport().repaint()
        frames.append(time.perf_counter() - start)
        qtbot.wait(1)
    jumps = []
    for n in range(1, SCROLL_FRAMES // 5 + 1):
        with qtbot.waitSignal(page.model.rows_arrived, timeout=30_000):
            start = time.perf_counter()
            bar.setValue(bar.maximum() * n // (SCROLL_FRAMES // 5 + 1))
            view.viewport().repaint()
        jumps.append(time.perf_counter() - start)
    listed = page.model.rowCount()  # (a copy of every id would weigh on the RSS measured below)
    ids = [page.model.id_at(row) for row in range(max(0, listed - 64), listed)]
    out["scroll_frames"] = frames
    out["page_after_jump"] = jumps
    out["page_baseline"] = best_of(lambda: raw.execute(page_sql.format(",".join(map(str, ids)))).fetchall(), 5)

    # --- open a conversation (the 50 HTML messages one, sanitized) ------------------------------------
    special = raw.execute("SELECT max(id) FROM conversation").fetchone()[0]
    page.select_view_key("open")
    qtbot.waitUntil(lambda: page.current_view.key == "open" and page.model.rowCount() > 0, timeout=120_000)
    window.tasks.wait(120_000)
    opens = []
    for _ in range(5):
        page.current_id = None
        with qtbot.waitSignal(page.conversation_shown, timeout=30_000):
            start = time.perf_counter()
            page.open_conversation_anywhere(special)
        opens.append(time.perf_counter() - start)

    def raw_open() -> None:
        for _text, html in raw.execute("SELECT text, html FROM message WHERE conversation_id = ?"
                                       " ORDER BY sent_at DESC LIMIT 200", (special,)).fetchall():
            if html:
                nh3.clean(html)

    out["open_conversation"] = opens
    out["open_conversation_baseline"] = best_of(raw_open)

    # --- search as you type: each keystroke until its results are shown, beside the raw FTS5 query -----
    window.tasks.wait(120_000)
    popup = SearchPopup(workspace.db, window.tasks, window)
    popup.show()
    keystrokes, ranked, first_page, service = [], [], [], []
    for prefix in KEYSTROKES:
        popup.query.setText(prefix)
        start = time.perf_counter()
        popup._timer.stop()
        popup._run()
        qtbot.waitUntil(lambda p=prefix: popup._shown_query == p, timeout=60_000)
        keystrokes.append(time.perf_counter() - start)
        expression = fts_query(prefix)
        ranked.append(best_of(lambda e=expression: raw.execute(
            "SELECT rowid FROM message_fts WHERE message_fts MATCH ? ORDER BY rank LIMIT 50", (e,)).fetchall(), 3))
        first_page.append(best_of(lambda e=expression: raw.execute(
            "SELECT rowid FROM message_fts WHERE message_fts MATCH ? LIMIT 50", (e,)).fetchall(), 3))
        service.append(best_of(lambda p=prefix: search(workspace.db, p), 3))
    popup.close()
    out["keystrokes"] = dict(zip(KEYSTROKES, keystrokes, strict=True))
    out["keystroke_fts_ranked"] = dict(zip(KEYSTROKES, ranked, strict=True))
    out["keystroke_fts_first_page"] = dict(zip(KEYSTROKES, first_page, strict=True))
    out["keystroke_service"] = dict(zip(KEYSTROKES, service, strict=True))

    out["rss_mb"] = psutil.Process().memory_info().rss / 2**20
    out["scrolled_rows"] = listed
    out["median"] = {"switch": statistics.median(switches), "open": statistics.median(opens)}
    Path(os.environ["DESKAPP_GROWTH_OUT"]).write_text(json.dumps(out), encoding="utf-8")
    window.close()
    window.tasks.wait()
    outbox.close()
    raw.close()

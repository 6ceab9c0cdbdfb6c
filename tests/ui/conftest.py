"""UI fixtures: a workspace over a cache filled with plain INSERTs, the real ActionService and outbox,
the main window, and a GUI-thread heartbeat that measures stalls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.profile_helpers import adopt_cache_accounts
from tests.ui.fill import fill
from tests.window_leaks import no_window_left_behind  # noqa: F401  (autouse: no test leaves a window)


@pytest.fixture
def ws(data_dir, db, profile):
    from deskapp.bootstrap import Workspace
    from deskapp.paths import resolve_paths
    from deskapp.services.profile_secrets import secret_store

    return Workspace(paths=resolve_paths(data_dir).ensure(), db=db, secrets=secret_store(profile), profile=profile)


@pytest.fixture
def filled(ws):
    fill(ws.db, conversations=30)
    adopt_cache_accounts(ws.db, ws.profile)
    return ws


@pytest.fixture
def actions(ws):
    from deskapp.services.actions import ActionService
    from deskapp.store.outbox import OutboxStore

    outbox = OutboxStore(ws.paths.outbox_db)
    yield ActionService(ws.db, outbox, ws.profile)
    outbox.close()


def gui_services(ws, actions):
    """What bootstrap hands the window, over the test's workspace and action service."""
    from deskapp.services.gui_services import GuiServices
    from deskapp.services.reports import ReportService
    from deskapp.services.suggestions import SuggestionService

    return GuiServices(reports=ReportService(ws.db, outbox=actions.outbox),
                       suggestions=SuggestionService(ws.db, ws.profile, ws.secrets), actions=actions)


@pytest.fixture
def services(ws, actions):
    return gui_services(ws, actions)


@pytest.fixture
def window(qtbot, filled, services) -> Iterator:
    from PySide6.QtCore import QSettings

    from deskapp.ui.main_window import MainWindow

    settings = QSettings(str(filled.paths.data_dir / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(filled, services, settings=settings, extras=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.page.model.rowCount() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: win.page.opened is not None and not win.page.thread_view.rendering, timeout=10_000)
    yield win
    win.close()
    win.tasks.wait(10_000)


@pytest.fixture(autouse=True)
def _qapp(qapp):
    """Every UI test runs with the QApplication (icons and fonts need it even in model tests)."""
    return qapp

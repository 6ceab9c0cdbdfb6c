"""services.gui_services: what the window is handed as one value: the outbox comes with the action service,
and the sync engine is built (with the window's event sink and hooks) and started only when the session has one."""

from __future__ import annotations

from functools import partial

import pytest

from deskapp.bootstrap import Workspace, build_sync_engine
from deskapp.paths import resolve_paths
from deskapp.services.actions import ActionService
from deskapp.services.gui_services import GuiServices
from deskapp.services.profile_secrets import secret_store
from deskapp.services.reports import ReportService
from deskapp.services.suggestions import SuggestionService
from deskapp.store.outbox import OutboxStore


@pytest.fixture
def ws(data_dir, db, profile):
    return Workspace(paths=resolve_paths(data_dir).ensure(), db=db, secrets=secret_store(profile), profile=profile)


@pytest.fixture
def services(ws):
    outbox = OutboxStore(ws.paths.outbox_db)
    actions = ActionService(ws.db, outbox, ws.profile)
    yield GuiServices(reports=ReportService(ws.db, outbox=outbox),
                      suggestions=SuggestionService(ws.db, ws.profile, ws.secrets), actions=actions)
    outbox.close()


def test_the_outbox_is_the_action_services(services):
    assert services.outbox is services.actions.outbox


def test_no_action_service_means_no_outbox_and_a_read_only_window(services):
    read_only = GuiServices(reports=services.reports, suggestions=services.suggestions)
    assert read_only.actions is None and read_only.outbox is None


def test_a_session_without_a_sync_engine_starts_none(services):
    assert services.start_sync(on_event=print) is None


def test_start_sync_builds_the_engine_with_the_windows_sink_and_hooks(ws, services):
    events, hook = [], (lambda *_a: None)
    services.sync_engine = partial(build_sync_engine, ws, replay=False)
    engine = services.start_sync(on_event=events.append, apply_hooks=(hook,))
    try:
        assert engine is not None and engine.on_event == events.append
        assert hook in engine.apply_hooks  # beside the features' own hooks
    finally:
        engine.stop()


def test_a_factory_that_fails_fails_the_start_for_the_app_to_report(services):
    def broken(**_kw):
        raise RuntimeError("the cache is locked")

    services.sync_engine = broken
    with pytest.raises(RuntimeError, match="the cache is locked"):
        services.start_sync(on_event=print)

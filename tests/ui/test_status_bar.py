"""ui.status_bar: each account's sync state and last good sync, the sync's progress, and the outbox count."""

from __future__ import annotations

import pytest

from deskapp.ui.status_bar import SyncStatusBar


@pytest.fixture
def bar(qtbot):
    widget = SyncStatusBar()
    qtbot.addWidget(widget)
    return widget


def test_no_account_says_where_to_add_one(bar):
    bar.set_accounts([])
    assert bar.accounts_label.text() == "No account — add one in Settings"
    assert bar.progress.isHidden()


def test_hostile_account_names_and_errors_are_shown_as_text(bar):
    bar.set_accounts([{"id": 1, "name": "<img src=http://x/a.png>Hub", "state": "offline", "last_sync": None,
                       "last_error": "<b>502</b> " + "x" * 200}])
    text = bar.accounts_label.text()
    assert "<img" not in text and "&lt;img src=http://x/a.png&gt;Hub: offline · last sync never" in text
    assert "&lt;b&gt;502&lt;/b&gt;" in text and "x" * 100 not in text  # the error is cut short


def test_an_error_is_not_shown_for_an_account_that_is_online(bar):
    bar.set_accounts([{"id": 1, "name": "Hub", "state": "online", "last_sync": None, "last_error": "old 401"}])
    assert "401" not in bar.accounts_label.text()


def test_an_events_last_sync_is_kept_when_the_table_has_not_caught_up(bar):
    bar.on_event(3, "online", 1, 1, "synced", "earlier today")
    bar.set_accounts([{"id": 3, "name": "Shop", "state": "online", "last_sync": None, "last_error": None}])
    assert "Shop: online · last sync earlier today" in bar.accounts_label.text()


def test_an_account_removed_from_the_table_leaves_the_bar(bar):
    bar.set_accounts([{"id": 1, "name": "Hub", "state": "online"}, {"id": 2, "name": "Mail", "state": "degraded"}])
    bar.set_accounts([{"id": 2, "name": "Mail", "state": "degraded"}])
    assert "Hub" not in bar.accounts_label.text() and "Mail: degraded" in bar.accounts_label.text()


def test_an_event_for_an_account_not_listed_yet_is_shown_by_its_id(bar):
    bar.on_event(9, "auth_needed", 0, 0, "", None)
    assert "account 9: sign-in needed" in bar.accounts_label.text()


def test_progress_adds_up_the_accounts_syncing_and_hides_when_they_are_done(bar):
    bar.on_event(1, "online", 2, 10, "pulling conversations", None)
    bar.on_event(2, "online", 5, 20, "pulling orders", None)
    assert not bar.progress.isHidden()
    assert (bar.progress.value(), bar.progress.maximum()) == (7, 30)
    bar.on_event(1, "online", 10, 10, "done", None)
    assert (bar.progress.value(), bar.progress.maximum()) == (5, 20)
    bar.on_event(2, "offline", 0, 0, "connection refused", None)
    assert bar.progress.isHidden() and "offline" in bar.accounts_label.text()


def test_the_outbox_count_turns_red_while_something_needs_a_decision(bar, qtbot):
    bar.set_outbox(3)
    assert bar.outbox.text() == "Outbox: 3" and bar.outbox.styleSheet() == ""
    bar.set_outbox(3, 2)
    assert bar.outbox.text() == "Outbox: 3 · 2 need you" and "#d93025" in bar.outbox.styleSheet()
    bar.set_outbox(0)
    assert bar.outbox.styleSheet() == ""
    with qtbot.waitSignal(bar.outbox_clicked, timeout=1_000):
        bar.outbox.click()


def test_a_hub_says_whether_it_is_live_or_polling(bar):
    from deskapp.services.gui_services import FEED_LIVE, FEED_POLLING

    bar.set_accounts([{"id": 2, "name": "Hub", "state": "online", "last_sync": None, "last_error": None}])
    assert "live" not in bar.accounts_label.text() and "polling" not in bar.accounts_label.text()
    bar.on_event(2, "online", 1, 1, FEED_LIVE, None)
    assert "Hub: online · live · last sync" in bar.accounts_label.text()
    bar.on_event(2, "online", 1, 1, "synced", None)  # later passes keep it
    assert "Hub: online · live" in bar.accounts_label.text()
    bar.on_event(2, "online", 1, 1, FEED_POLLING, None)
    assert "Hub: online · polling · last sync" in bar.accounts_label.text()

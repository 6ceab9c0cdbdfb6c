"""OutboxPanel and OfflineBanner: what the agent sees and the decisions they hand back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from deskapp.domain import OutboxState
from deskapp.services.actions import ActionService
from deskapp.services.drafts import load as load_draft
from deskapp.store.outbox import OutboxStore
from deskapp.ui.offline_banner import OfflineBanner
from deskapp.ui.outbox_panel import OutboxPanel
from tests.faults.seed import conversation_state, seed_cache


@pytest.fixture
def service(db, data_dir, profile):
    seeded = seed_cache(db, profile=profile)
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    yield ActionService(db, outbox, profile), seeded
    outbox.close()


def test_outbox_panel_lists_and_settles(qtbot, service):
    actions, seeded = service
    conv = seeded["conversations"][0]
    reply = actions.reply(conv, "a reply that will be rejected")
    resolve = actions.resolve(conv)
    actions.set_priority(seeded["conversations"][1], "high")
    actions.outbox.mark_problem(reply, OutboxState.FAILED, reason="too large")
    actions.outbox.mark_problem(resolve, OutboxState.CONFLICT, reason="status is resolved")
    panel = OutboxPanel(actions)
    qtbot.addWidget(panel)
    counts = []
    panel.count_changed.connect(counts.append)
    panel.refresh()
    assert panel.table.rowCount() == 3 and counts == [3]
    assert panel.table.item(0, 0).text() == "failed" and panel.table.item(0, 5).text() == "too large"
    assert panel.table.item(2, 0).text() == "queued"
    assert "1 waiting to be sent, 2 need your decision" in panel.summary.text()
    panel.table.selectRow(2)
    assert not panel.retry_button.isEnabled()
    panel.table.selectRow(0)
    assert panel.draft_button.isEnabled()
    decided = []
    panel.decided.connect(lambda c, d: decided.append((c, d)))
    qtbot.mouseClick(panel.draft_button, Qt.MouseButton.LeftButton)
    assert decided == [(reply, "keep_as_draft")]
    assert load_draft(actions.db, actions.profile, conv).body == "a reply that will be rejected"
    panel.table.selectRow(0)
    assert panel.table.item(0, 0).text() == "conflict"
    assert panel.decide_selected("discard") == 1
    assert conversation_state(actions.db, conv)["status"] == "open"
    assert panel.table.rowCount() == 1


def test_offline_banner(qtbot):
    from PySide6.QtWidgets import QVBoxLayout, QWidget
    window = QWidget()
    qtbot.addWidget(window)
    banner = OfflineBanner(window)
    QVBoxLayout(window).addWidget(banner)
    window.show()
    assert not banner.isVisible()
    banner.set_accounts([{"id": 1, "name": "Hub", "state": "online"}, {"id": 2, "name": "Mail", "state": "online"}])
    assert not banner.isVisible()
    banner.set_account_state(1, "offline")
    banner.set_queued(3)
    assert banner.isVisible() and "Offline: Hub" in banner.message() and "3 actions queued" in banner.message()
    banner.set_account_state(1, "online")
    banner.set_account_state(2, "auth_needed")
    assert banner.isVisible() and banner.sign_in.isVisible() and "Sign-in needed: Mail" in banner.message()
    asked = []
    banner.sign_in_requested.connect(asked.append)
    banner.sign_in.click()
    assert asked == [2]
    banner.set_account_state(2, "online")
    assert not banner.isVisible()
    toggled = []
    banner.work_offline_toggled.connect(toggled.append)
    banner.switch.click()
    assert toggled == [True] and banner.isVisible() and "Working offline" in banner.message()
    banner.set_work_offline(False)
    assert not banner.isVisible() and toggled == [True]

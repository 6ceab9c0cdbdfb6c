"""OfflineBanner: which accounts are offline or need a sign-in, what is queued, and the work-offline switch."""

from __future__ import annotations

from deskapp.ui.offline_banner import OfflineBanner


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

"""ui.bot_kill_switch: the Bot menu disconnects the hub's agent bot from every inbox on a worker, and puts back
exactly what it disconnected; a hub that refuses is said, not a crash."""

from __future__ import annotations

import pytest
import requests
from PySide6.QtWidgets import QWidget

from deskapp.demo.server import DemoServer
from deskapp.domain import AccountKind
from deskapp.services import accounts
from deskapp.services.bot_switch import BotSwitch, KillSwitch
from deskapp.sync.registry import chatwoot_http
from deskapp.ui.bot_kill_switch import BotKillSwitch
from deskapp.ui.tasks import TaskRunner
from tests.demo.conftest import PINNED_NOW


class Window(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.tasks = TaskRunner(self)
        self.messages: list[str] = []
        self.errors: list[str] = []

    def show_message(self, text: str) -> None:
        self.messages.append(text)

    def show_error(self, text: str) -> None:
        self.errors.append(text)


@pytest.fixture
def hub():
    demo = DemoServer(seed=2, live=False, now=PINNED_NOW)
    info = demo.start()
    admin = {"api_access_token": info["supervisor_token"]}
    acc = f"{info['url']}/api/v1/accounts/{info['chatwoot_account_id']}"
    bot = requests.post(acc + "/agent_bots", json={"name": "B"}, headers=admin, timeout=10).json()
    for inbox_id in (1, 2):
        requests.post(f"{acc}/inboxes/{inbox_id}/set_agent_bot", json={"agent_bot": bot["id"]}, headers=admin,
                      timeout=10).raise_for_status()
    yield demo, bot["id"]
    demo.stop()


def _window(qtbot) -> Window:
    shown = Window()
    qtbot.addWidget(shown)
    return shown


def test_off_disconnects_every_inbox_and_on_puts_them_back(qtbot, ws, hub):
    demo, bot_id = hub
    info = demo.info()
    accounts.add_account(ws, AccountKind.CHATWOOT, "Hub", info["url"], info["supervisor_token"],
                         {"account_id": info["chatwoot_account_id"]})
    window = _window(qtbot)
    switch = BotKillSwitch(window, KillSwitch(ws))
    probe = BotSwitch(chatwoot_http(info["url"], info["supervisor_token"]), info["chatwoot_account_id"])
    assert not switch.on_action.isEnabled()
    switch.off_action.trigger()
    qtbot.waitUntil(lambda: switch.on_action.isEnabled(), timeout=10_000)
    assert probe.connected() == {} and window.messages[-1] == "Agent bot switched off in 2 inboxes"
    switch.on_action.trigger()
    qtbot.waitUntil(lambda: len(window.messages) == 2, timeout=10_000)
    assert probe.connected() == {1: bot_id, 2: bot_id} and not switch.on_action.isEnabled()
    window.tasks.wait(10_000)


def test_an_agent_token_is_refused_and_said(qtbot, ws, hub):
    demo, _bot_id = hub
    info = demo.info()
    accounts.add_account(ws, AccountKind.CHATWOOT, "Hub", info["url"], info["chatwoot_token"],
                         {"account_id": info["chatwoot_account_id"]})
    window = _window(qtbot)
    switch = BotKillSwitch(window, KillSwitch(ws))
    switch.off_action.trigger()
    qtbot.waitUntil(lambda: bool(window.errors), timeout=10_000)
    assert "HTTP 401" in window.errors[-1] and switch.off_action.isEnabled()
    window.tasks.wait(10_000)


def test_without_a_hub_account_the_switch_says_so(qtbot, ws):
    window = _window(qtbot)
    switch = BotKillSwitch(window, KillSwitch(ws))
    switch.off_action.trigger()
    qtbot.waitUntil(lambda: bool(window.errors), timeout=10_000)
    assert "no Chatwoot account" in window.errors[-1]
    window.tasks.wait(10_000)

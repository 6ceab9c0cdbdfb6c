"""Fixtures for the services tests. `bot_hub`: the demo hub (pinned clock, no live traffic) with `deskapp bot`
beside it, both over real loopback HTTP, and helpers to play the customer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from deskapp.demo.server import DemoServer
from deskapp.services.bot_demo import DemoBot, start_demo_bot
from tests.demo.conftest import PINNED_NOW


class BotHub:
    """The demo hub with the bot connected to its chat and email inboxes."""

    def __init__(self, demo: DemoServer, bot: DemoBot) -> None:
        self.demo, self.bot, self.state = demo, bot, demo.state
        self.url = demo.url
        self.acc = f"{self.url}/api/v1/accounts/{self.state.account_id}"
        self.admin = {"api_access_token": demo.info()["supervisor_token"]}

    def owner_contact(self, order_number: int) -> Any:
        """The buyer's contact (an email one when the buyer has one) of an order."""
        order = self.state.orders[order_number - 1001]
        return min((c for c in self.state.contacts if c.person_idx == order.person_idx), key=lambda c: c.email is None)

    def customer_starts(self, text: str, *, contact_id: int, inbox: str = "web_chat") -> int:
        answer = requests.post(f"{self.url}/demo/inboxes/{self.bot.inbox_ids[inbox]}/conversations",
                               json={"contact_id": contact_id, "content": text}, timeout=10)
        answer.raise_for_status()
        self.settle()
        return answer.json()["conversation_id"]

    def settle(self) -> None:
        assert self.bot.settle(), "webhooks or their decisions still pending"

    def messages(self, conv_id: int) -> list[dict]:
        return self.state.messages(self.state.conversation(conv_id))

    def bot_messages(self, conv_id: int) -> list[dict]:
        return [m for m in self.messages(conv_id) if m["sender_type"] == "agent_bot"]

    def conversation(self, conv_id: int) -> Any:
        return self.state.conversation(conv_id)


@pytest.fixture
def bot_hub(tmp_path) -> Iterator[BotHub]:
    demo = DemoServer(seed=1, scale="small", live=False, now=PINNED_NOW)
    demo.start()
    bot = start_demo_bot(demo, tmp_path / "bot.sqlite3", now=demo.state.now)
    try:
        yield BotHub(demo, bot)
    finally:
        bot.stop()
        demo.stop()

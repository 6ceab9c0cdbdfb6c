"""The demo hub with `deskapp bot` beside it, for `deskapp bot --demo` and tests: the supervisor creates a
webhook agent bot pointing at the bot's server and connects it to the chat inboxes, as an operator would."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from deskapp.copilot.triage import Triager
from deskapp.demo.server import DemoServer
from deskapp.services.bot_service import Bot, BotConfig, BotServer
from deskapp.store.bot_state import BotState

log = logging.getLogger(__name__)
BOT_INBOXES = ("web_chat", "whatsapp", "email")
# The labels the bot sets besides the intent ones; a 4.x hub keeps only labels the account has.
BOT_LABELS = tuple(f"urgency-{u}" for u in ("low", "normal", "high", "urgent")) + tuple(
    f"lang-{code}" for code in ("en", "de", "fr", "es", "it", "nl", "pt"))


@dataclass
class DemoBot:
    demo: DemoServer
    server: BotServer
    bot_id: int
    inbox_ids: dict[str, int]

    def stop(self) -> None:
        self.server.stop()

    def settle(self, timeout: float = 30.0) -> bool:
        """Until the hub's webhooks and the bot's work on them are done (its answers make webhooks too)."""
        hub = self.demo.state.agent_bot_hub
        return all(hub.wait_idle(timeout) and self.server.bot.wait_idle(timeout) for _ in range(3))


def start_demo_bot(demo: DemoServer, state_path: Path | str, *, now: Callable[[], float] | None = None,
                   min_confidence: float = 0.6, triager: Triager | None = None) -> DemoBot:
    """Starts the bot's server and connects it to the (started) demo hub's chat and email inboxes."""
    info = demo.info()
    admin = {"api_access_token": info["supervisor_token"]}
    acc = f"{info['url']}/api/v1/accounts/{info['chatwoot_account_id']}"
    server = BotServer(Bot(BotConfig(info["url"], info["chatwoot_account_id"], "", info["shop_url"],
                                     info["shopify_token"], min_confidence=min_confidence,
                                     reader_token=info["chatwoot_token"]),
                           BotState(state_path), triager=triager, **({"now": now} if now else {})))
    url = server.start()
    created = requests.post(acc + "/agent_bots", headers=admin, timeout=10,
                            json={"name": "deskapp bot", "description": "Order status, labels, handoff",
                                  "outgoing_url": url}).json()
    server.bot.hub.session.headers["api_access_token"] = created["access_token"]
    with demo.state.lock:
        demo.state.extra_labels |= set(BOT_LABELS)
    inbox_ids = {b["key"]: b["id"] for b in demo.state.world.inboxes if b["key"] in BOT_INBOXES}
    for inbox_id in inbox_ids.values():
        requests.post(f"{acc}/inboxes/{inbox_id}/set_agent_bot", headers=admin, json={"agent_bot": created["id"]},
                      timeout=10).raise_for_status()
    return DemoBot(demo, server, created["id"], inbox_ids)


def ask_later(demo_bot: DemoBot, text: str, *, order_number: int, delay_s: float) -> threading.Timer:
    """The buyer of ``order_number`` asks ``text`` in a new web chat after ``delay_s`` (a live demo moment)."""
    state = demo_bot.demo.state

    def ask() -> None:
        order = state.orders[order_number - 1001]
        contact = min((c for c in state.contacts if c.person_idx == order.person_idx), key=lambda c: c.email is None)
        try:
            requests.post(f"{demo_bot.demo.url}/demo/inboxes/{demo_bot.inbox_ids['web_chat']}/conversations",
                          json={"contact_id": contact.id, "content": text}, timeout=10)
        except (requests.RequestException, RuntimeError):  # the demo stopped meanwhile
            log.info("the demo stopped before its customer could ask")

    timer = threading.Timer(delay_s, ask)
    timer.daemon = True
    timer.start()
    return timer


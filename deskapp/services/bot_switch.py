"""The agent bot's kill switch on the hub, for the desktop app and `deskapp bot off|on`: Chatwoot's
POST /inboxes/:id/set_agent_bot with `agent_bot: null` disconnects the bot from an inbox at once (no more
webhooks; new conversations start open), and with the bot's id connects it again. Administrators only."""

from __future__ import annotations

from typing import Any

from deskapp.connectors.base import AuthError, ConnectorError
from deskapp.connectors.http import HttpClient
from deskapp.sync import registry

# someone is waiting on the switch: short timeouts, one retry, no long waits for the hub's hints
SWITCH_POLICY: dict[str, Any] = {"timeout": (3, 10), "max_attempts": 2, "max_wait": 2.0}
NO_ACCOUNT = "no Chatwoot account with a stored token"


class BotSwitchError(Exception):
    """The hub refused or failed (the message says which request)."""


class BotSwitch:
    """Which inboxes have a bot, and switching them off (remembering which bot served which inbox) and on."""

    def __init__(self, http: HttpClient, account_id: int | str) -> None:
        self.http = http
        self.acc = f"/api/v1/accounts/{account_id}"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self.http.attempt(method, self.acc + path, json=body)
        except ConnectorError as exc:
            raise BotSwitchError(f"{method} {path}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise BotSwitchError(f"{method} {path}: HTTP {response.status_code}")
        try:
            return response.json() if response.content else None
        except ValueError:
            return None

    def connected(self) -> dict[int, int]:
        """inbox id -> the id of the bot connected to it (inboxes without a bot left out)."""
        listing = self._call("GET", "/inboxes")
        inboxes = listing.get("payload", []) if isinstance(listing, dict) else []
        out = {}
        for inbox in inboxes:
            if not isinstance(inbox, dict) or not isinstance(inbox.get("id"), int):
                continue
            found = self._call("GET", f"/inboxes/{inbox['id']}/agent_bot")
            bot = found.get("agent_bot") if isinstance(found, dict) else None
            if isinstance(bot, dict) and isinstance(bot.get("id"), int):
                out[inbox["id"]] = bot["id"]
        return out

    def off(self) -> dict[int, int]:
        """Disconnects every bot; returns what was connected, for on()."""
        was = self.connected()
        for inbox_id in was:
            self._call("POST", f"/inboxes/{inbox_id}/set_agent_bot", {"agent_bot": None})
        return was

    def on(self, connections: dict[int, int]) -> None:
        for inbox_id, bot_id in connections.items():
            self._call("POST", f"/inboxes/{inbox_id}/set_agent_bot", {"agent_bot": bot_id})


class KillSwitch:
    """The desktop's switch over the workspace's first Chatwoot account (its token from the keyring): off
    remembers what it disconnected, so on puts exactly that back. Network calls: never on the GUI thread."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.disconnected: dict[int, int] = {}

    def _switch(self) -> BotSwitch:
        from deskapp.domain import AccountKind
        from deskapp.services import accounts

        account = next((a for a in accounts.list_accounts(self.ws) if a.kind == AccountKind.CHATWOOT), None)
        if account is None:
            raise BotSwitchError(NO_ACCOUNT)
        try:
            hub = registry.hub_client(account, self.ws.secrets, **SWITCH_POLICY)
        except AuthError as exc:
            raise BotSwitchError(NO_ACCOUNT) from exc
        return BotSwitch(hub.http, hub.account_id)

    def off(self) -> int:
        """Disconnects every bot; how many inboxes had one."""
        found = self._switch().off()
        self.disconnected.update(found)
        return len(found)

    def on(self) -> int:
        """Reconnects what off() disconnected; how many inboxes."""
        back, self.disconnected = dict(self.disconnected), {}
        try:
            self._switch().on(back)
        except BotSwitchError:
            self.disconnected = back
            raise
        return len(back)


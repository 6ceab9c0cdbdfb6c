"""The agent bot at work, for `deskapp bot` and the demo: an HTTP server taking Chatwoot's agent-bot webhooks,
deciding with services.bot_decide (the desktop's triage model, the shop's orders) and acting through the hub's
API with the bot's own token: labels, an answer marked as the bot's, or the handoff (pending -> open).

Every decision is one structured log line (JSON, logger "deskapp.bot") with its reason; message texts and
tokens are never logged. Its only state is the small SQLite file of store.bot_state.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from deskapp.connectors import shopify_mapping as sm
from deskapp.connectors.base import ConnectorError, PayloadError, TransientError
from deskapp.connectors.http import HttpClient
from deskapp.connectors.shopify import ShopifyConnector
from deskapp.copilot import language
from deskapp.copilot.triage import Triager, default_triager
from deskapp.domain import Order
from deskapp.services import bot_decide as bd
from deskapp.services import bot_wording as bw
from deskapp.services.business_hours import within_working_hours
from deskapp.store.bot_state import BotState
from deskapp.sync.registry import chatwoot_http

log = logging.getLogger("deskapp.bot")
MAX_BODY = 1024 * 1024  # a message webhook is a few kB; anything this large is not one
HANDOFF_TEXT = bw.say("en", "handoff")  # in English; the customer's language when the bot is sure of it
AWAY_TEXT = bw.say("en", "away")
INBOX_TTL_S = 60.0
HUB_POLICY: dict[str, Any] = {"timeout": (3, 10), "max_attempts": 2, "max_wait": 2.0}  # a customer is waiting


class HubError(Exception):
    """The hub refused or failed a request the decision needed."""


@dataclass(frozen=True)
class BotConfig:
    chatwoot_url: str
    account_id: int
    bot_token: str
    shop_url: str
    shop_token: str
    min_confidence: float = 0.6
    # A user's token (an agent of the inboxes is enough) to read the inboxes' working hours, which a bot's
    # own token may not (BOT_ACCESSIBLE_ENDPOINTS); without one, every hour counts as a working hour.
    reader_token: str = ""


class Bot:
    """One decision per webhook; thread-safe (the HTTP server calls it from many threads)."""

    def __init__(self, config: BotConfig, state: BotState, *, triager: Triager | None = None,
                 now: Callable[[], float] = time.time) -> None:
        self.config, self.state, self.now = config, state, now
        self._triager = triager
        self.hub = chatwoot_http(config.chatwoot_url, config.bot_token, **HUB_POLICY)
        self.reader = chatwoot_http(config.chatwoot_url, config.reader_token, **HUB_POLICY) \
            if config.reader_token else None
        self.shop = ShopifyConnector(config.shop_url, config.shop_token, http=HttpClient(
            config.shop_url, {"X-Shopify-Access-Token": config.shop_token, "Accept": "application/json"},
            timeout=(3, 10), max_attempts=2, max_wait=2.0, backoff_base=0.2))
        self._inboxes: dict[int, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="deskapp-bot-work")
        self._idle = threading.Condition()
        self._busy = 0

    @property
    def triager(self) -> Triager:
        if self._triager is None:
            self._triager = default_triager()
        return self._triager

    # --- one webhook ------------------------------------------------------------------------------------

    def handle(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        """(HTTP status for the hub, what was done with it): 400 for a malformed body, 200 for one ignored,
        202 for one accepted (decided and acted on by a worker)."""
        try:
            inc = bd.parse_webhook(raw)
        except bd.BadWebhook as exc:
            self._log(None, bd.IGNORE, f"malformed webhook: {exc}")
            return 400, {"error": str(exc)}
        guard = bd.loop_guard(inc)
        if guard is not None:
            self._log(inc, bd.IGNORE, guard)
            return 200, {"action": bd.IGNORE, "reason": guard}
        if not self.state.claim_message(inc.message_id, inc.conversation_id, self.now()):
            self._log(inc, bd.IGNORE, "duplicate delivery of a message already handled")
            return 200, {"action": bd.IGNORE, "reason": "duplicate"}
        # the hub waits a few seconds at most (WEBHOOK_TIMEOUT): decide and act after answering it
        with self._idle:
            self._busy += 1
        self._pool.submit(self._work, inc)
        return 202, {"action": "queued"}

    def _work(self, inc: bd.Incoming) -> None:
        try:
            inc = self._as_the_hub_has_it(inc)
            guard = bd.loop_guard(inc)
            if guard is not None:  # a person took it meanwhile, or the webhook's body was not the hub's
                self._log(inc, bd.IGNORE, guard)
                self.state.record_decision(inc.message_id, bd.IGNORE)
                return
            decision = self._decide(inc)
            self._act(inc, decision)
            self.state.record_decision(inc.message_id, decision.action)
        except (HubError, ConnectorError) as exc:
            self.state.release_message(inc.message_id)  # a redelivery may try again
            self._log(inc, "failed", f"hub unavailable: {exc}")
        except Exception:  # a bug must not end the worker nor keep the message claimed
            self.state.release_message(inc.message_id)
            log.exception("bot decision failed for message %s", inc.message_id)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Until every accepted webhook has been decided and acted on (tests, shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def warm_up(self) -> None:
        """Load the triage models before the first webhook, so the first customer waits no longer than others."""
        self.triager.triage("where is my order?")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.state.close()

    def _as_the_hub_has_it(self, inc: bd.Incoming) -> bd.Incoming:
        """The conversation's status and contact from the hub itself; hubs that do not let bots read a
        conversation (before `show` was a bot endpoint) leave the webhook's word."""
        path = f"/api/v1/accounts/{self.config.account_id}/conversations/{inc.conversation_id}"
        try:
            return bd.with_conversation(inc, self._call("GET", path, None))
        except HubError as exc:
            if "HTTP 401" not in str(exc):
                raise
            return inc

    def _decide(self, inc: bd.Incoming) -> bd.Decision:
        triage = self.triager.triage(inc.content)
        answered = not self.state.claim_answer(inc.conversation_id, self.now())
        wants_order = (triage.intent in bd.ORDER_INTENTS and not answered
                       and not bd.asks_for_person(inc.content, triage))
        by_number: dict[str, list[Order]] = {}
        by_email: list[Order] = []
        error = None
        if wants_order:
            try:
                numbers = bd.order_numbers(inc.content)
                for number in numbers[:1]:
                    by_number[number] = self._orders(f"name:#{number}")
                if not numbers and inc.contact_email:
                    by_email = self._orders(f"email:{json.dumps(inc.contact_email)}")
            except (TransientError, PayloadError) as exc:
                status = getattr(exc, "status_code", None)
                error = type(exc).__name__ + (f" {status}" if status else "")
        decision = bd.decide(inc, triage, min_confidence=self.config.min_confidence, answered_before=answered,
                             language=self._language(inc.content, triage.language),
                             by_number=by_number, by_email=by_email, lookup_error=error)
        if decision.action != bd.ANSWER and not answered:
            self.state.release_answer(inc.conversation_id)
        return decision

    @staticmethod
    def _language(text: str, detected: str | None) -> bw.LanguageGuess:
        """The detector's confidence in the language triage found (none when it would now say another one)."""
        if detected is None:
            return bw.LanguageGuess(None)
        code, share, runner_up = language.confidence(text)
        return bw.LanguageGuess(detected, share, runner_up) if code == detected else bw.LanguageGuess(detected)

    def _orders(self, query: str) -> list[Order]:
        data = self.shop.graphql(sm.ORDERS_QUERY, {"first": 5, "after": None, "query": query, "lines": 5})
        nodes = (data.get("orders") or {}).get("nodes") if isinstance(data.get("orders"), dict) else None
        out = []
        for node in nodes if isinstance(nodes, list) else []:
            try:
                out.append(sm.order(node))
            except sm.Unmappable:
                continue
        return out

    # --- acting on the hub ------------------------------------------------------------------------------

    def _act(self, inc: bd.Incoming, decision: bd.Decision) -> None:
        conv = f"/api/v1/accounts/{self.config.account_id}/conversations/{inc.conversation_id}"
        new_labels = [x for x in decision.labels if x not in inc.labels]
        if new_labels:  # LabelsController#create replaces the list: send the old ones with the new
            try:
                self._call("POST", conv + "/labels", {"labels": [*inc.labels, *new_labels]})
            except HubError as exc:  # older hubs refuse labels to bots: answer or hand off all the same
                log.warning("labels not set on conversation %s: %s", inc.conversation_id, exc)
        marker = {bd.BOT_MARK: {"action": decision.action, "reason": decision.reason}}
        if decision.action == bd.ANSWER:
            self._call("POST", conv + "/messages", {"content": decision.reply, "message_type": "outgoing",
                                                    "content_attributes": marker})
        else:
            away = self._away_text(inc.inbox_id, decision.language)
            text = away or bw.say(decision.language, "handoff")
            self._call("POST", conv + "/messages", {"content": text, "message_type": "outgoing",
                                                    "content_attributes": marker})
            self._call("POST", conv + "/toggle_status", {"status": "open"})  # the bot's handoff
            decision = replace(decision, reason=decision.reason + ("; outside working hours" if away else ""))
        self._log(inc, decision.action, decision.reason, labels=decision.labels, order=decision.order,
                  language=decision.language)

    def _away_text(self, inbox_id: int, lang: str) -> str | None:
        """The inbox's out-of-office wording when it is outside its working hours, else None: the shop's own
        message as it wrote it, or the bot's in the customer's language when the inbox has none."""
        inbox = self._inbox(inbox_id)
        if inbox is None or within_working_hours(inbox, self.now()):
            return None
        return str(inbox.get("out_of_office_message") or bw.say(lang, "away"))

    def _inbox(self, inbox_id: int) -> dict[str, Any] | None:
        with self._lock:
            cached = self._inboxes.get(inbox_id)
        if cached and time.monotonic() - cached[0] < INBOX_TTL_S:
            return cached[1]
        if self.reader is None:
            return None
        try:
            inbox = self._call("GET", f"/api/v1/accounts/{self.config.account_id}/inboxes/{inbox_id}", None,
                               http=self.reader)
        except (HubError, ConnectorError) as exc:
            log.warning("working hours of inbox %s unknown (%s): treated as open", inbox_id, exc)
            return None
        if not isinstance(inbox, dict):
            return None
        with self._lock:
            self._inboxes[inbox_id] = (time.monotonic(), inbox)
        return inbox

    def _call(self, method: str, path: str, body: Any, *, http: HttpClient | None = None) -> Any:
        client = http or self.hub
        response = client.call(lambda: client.attempt(method, path, json=body), what=f"{method} {path}")
        if not 200 <= response.status_code < 300:
            raise HubError(f"{method} {path}: HTTP {response.status_code}")
        try:
            return response.json() if response.content else None
        except ValueError:
            return None

    def _log(self, inc: bd.Incoming | None, action: str, reason: str, **extra: Any) -> None:
        line: dict[str, Any] = {"action": action, "reason": reason}
        if inc is not None:
            line.update(conversation=inc.conversation_id, message=inc.message_id, inbox=inc.inbox_id,
                        event=inc.event)
        line.update({k: list(v) if isinstance(v, tuple) else v for k, v in extra.items() if v})
        level = logging.WARNING if action == "failed" or reason.startswith("malformed") else logging.INFO
        log.log(level, "bot decision %s", json.dumps(line, ensure_ascii=False, sort_keys=True))


def open_bot(config: BotConfig, state_path: Path | str, **kw: Any) -> Bot:
    """A bot with its state file (made when missing)."""
    return Bot(config, BotState(state_path), **kw)


class _Handler(BaseHTTPRequestHandler):
    server: BotServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the decisions are logged; request lines would only repeat them

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._send(413 if length > MAX_BODY else 400, {"error": "bad Content-Length"})
            return
        status, body = self.server.bot.handle(self.rfile.read(length))
        self._send(status, body)

    def do_GET(self) -> None:
        self._send(200, {"ok": True}) if self.path == "/health" else self._send(404, {"error": "not found"})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class BotServer(ThreadingHTTPServer):
    """The webhook endpoint (any path takes a POST; GET /health answers ok) on a thread of its own."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, bot: Bot, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.bot = bot
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}/"

    def start(self) -> str:
        self.bot.warm_up()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="deskapp-bot", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.bot.close()

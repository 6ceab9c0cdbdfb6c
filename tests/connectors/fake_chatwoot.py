"""A small Chatwoot account in memory, served over loopback as a Chatwoot v4 server answers, for tests.

Built on ScriptedServer (real HTTP), it follows the server's source rather than its swagger:
- lists: ConversationFinder (25 a page, ``status``, ``sort_by``, ``updated_within`` unpaged),
  ContactsController (15 a page, ``sort`` by name or ``-last_activity_at`` NULLS LAST), MessageFinder;
- shapes: chatwoot_payloads (the jbuilder views);
- writes: MessageBuilder (``keeps_marker``: v4 keeps ``content_attributes``; older builders keep only
  ``items``/``in_reply_to``), Message#valid_first_reply? (only a human's public reply sets
  ``first_reply_created_at``), Conversation#toggle_priority ("none" -> HTTP 500, null clears),
  LabelConcern (labels the account does not define are dropped silently), toggle_status (an activity
  notice "Conversation was marked resolved by <name>");
- Rack::Attack: ``limit`` requests per fixed minute of the server clock, then 429 "Retry later", no Retry-After;
- errors: 404 ``{"error": "Resource could not be found"}``, 401 bodies of a bad token.
The clock is the test's (``now``); ``hold_post`` makes a create wait after it applied the message; ``down``
answers every request with 503 (an outage).
"""

from __future__ import annotations

import random
import threading
from email.utils import formatdate
from typing import Any

from tests.connectors import chatwoot_payloads as cp
from tests.connectors.scripted_server import Reply, ScriptedServer, Seen

TOKEN = "fake-token"
ME = 3


class Clock:
    """The server's (and, where a test wires it so, the client's) clock; ``sleep`` moves it on."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


class FakeChatwoot:
    def __init__(self, server: ScriptedServer, clock: Clock, *, keeps_marker: bool = True,
                 labels: tuple[str, ...] = ("delivery", "refund", "vip"), limit: int | None = None) -> None:
        self.server, self.clock, self.keeps_marker = server, clock, keeps_marker
        self.catalogue = set(labels)
        self.limit = limit
        self.counted: dict[int, int] = {}  # requests per Rack::Attack window
        self.conversations: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.next_message = 1000
        self.posted: list[dict[str, Any]] = []  # every create the server applied, in order
        self.human: set[int] = set()  # ids of messages Message#human_response? calls human
        self.hold_post: threading.Event | None = None  # set: creates wait for it after applying
        self.down = False  # an outage: every request answers 503 before reaching the application
        self.reached: list[Seen] = []  # the requests that reached the application (past outage, token, throttle)
        self.applied = threading.Event()
        self.lock = threading.RLock()
        for method, path, handler in (
                ("GET", "/api/v1/profile", self._profile), ("GET", f"{cp.PREFIX}/agents", self._agents),
                ("GET", f"{cp.PREFIX}/teams", lambda s: Reply(200, [])),
                ("GET", f"{cp.PREFIX}/inboxes", self._inboxes),
                ("GET", f"{cp.PREFIX}/canned_responses", lambda s: Reply(200, [])),
                ("GET", f"{cp.PREFIX}/csat_survey_responses", lambda s: Reply(200, [])),
                ("GET", f"{cp.PREFIX}/contacts", self._contacts),
                ("GET", f"{cp.PREFIX}/conversations", self._conversations)):
            server.script(method, path, self._guard(handler))

    # -- the world ------------------------------------------------------------------------------------
    def add_contact(self, cid: int, **extra: Any) -> dict[str, Any]:
        self.contacts[cid] = cp.contact(cid, **extra)
        return self.contacts[cid]

    def add_conversation(self, cid: int, *, contact_id: int | None = None, status: str = "open",
                         created_at: float | None = None, **extra: Any) -> None:
        contact_id = contact_id or 100 + cid
        if contact_id not in self.contacts:
            self.add_contact(contact_id)
        at = self.clock.now if created_at is None else created_at
        self.conversations[cid] = {"id": cid, "contact_id": contact_id, "status": status, "priority": None,
                                   "labels": [], "created_at": at, "updated_at": at, "last_activity_at": at,
                                   "first_reply": None, **extra}
        self.messages[cid] = []
        base = f"{cp.PREFIX}/conversations/{cid}"
        for method, path, handler in (
                ("GET", "messages", self._message_list), ("POST", "messages", self._create),
                ("POST", "toggle_priority", self._priority), ("POST", "toggle_status", self._status),
                ("POST", "labels", self._labels), ("GET", "labels", self._labels_show)):
            self.server.script(method, f"{base}/{path}", self._guard(lambda s, h=handler, c=cid: h(s, c)))
        self.server.script("GET", base, self._guard(lambda s, c=cid: Reply(200, self.rendered(c))))  # show

    def add_message(self, cid: int, kind: str, *, at: float, sender: dict | None = None, content: str = "",
                    private: bool = False, campaign: bool = False, **extra: Any) -> dict[str, Any]:
        """A message as the server stores and lists it (a campaign's: its ``campaign_id`` is not listed);
        a human's first public reply is remembered as Message#valid_first_reply? does."""
        with self.lock:
            self.next_message += 1
            conv = self.conversations[cid]
            if sender is None and kind == "incoming":
                sender = cp.sender_contact(conv["contact_id"])
            msg = cp.message(self.next_message, cid, mtype=cp.MESSAGE_TYPE[kind], private=private,
                             sender=sender or False, content=content or f"message {self.next_message}",
                             created_at=int(at), **extra)
            self.messages[cid].append(msg)
            human = (kind == "outgoing" and not private and (sender or {}).get("type") == "user" and not campaign
                     and not (extra.get("content_attributes") or {}).get("automation_rule_id"))
            if human:
                self.human.add(msg["id"])
                if conv["first_reply"] is None:
                    conv["first_reply"] = at
            conv["updated_at"] = conv["last_activity_at"] = at
            if kind == "incoming" and conv["status"] == "resolved":  # Message#reopen_conversation
                conv["status"] = "open"
            if kind == "incoming":
                self.contacts[conv["contact_id"]]["last_activity_at"] = int(at)
            return msg

    def resolve(self, cid: int, at: float, by: str = "Ann") -> None:
        """An agent resolves: the status, and the notice Conversation#create_activity writes."""
        self.conversations[cid]["status"] = "resolved"
        self.add_message(cid, "activity", at=at, content=f"Conversation was marked resolved by {by}")

    def populate(self, count: int, *, start: float, rng: random.Random) -> None:
        """``count`` conversations of every kind a real account holds: bot answers before (or instead of) a
        human's, campaigns, automation messages, notes, resolutions with a CSAT survey after them, reopenings."""
        for cid in range(1, count + 1):
            opened = start + cid * 600
            kind = rng.choice(["bot_then_human", "bot_only", "human", "none", "campaign", "automation"])
            self.add_conversation(cid, created_at=opened)
            at = opened
            if kind == "campaign":  # a website campaign opens the web chat (no campaign_id in either list)
                self.add_message(cid, "outgoing", at=opened, sender=cp.sender_user(4, "Bob"),
                                 content="Spring sale: 20% off", campaign=True)
                at += 120
            self.add_message(cid, "incoming", at=at + 10, content="Where is my parcel?")
            reply_at = at + 10 + rng.randint(60, 7200)
            if kind in ("bot_then_human", "bot_only"):
                self.add_message(cid, "outgoing", at=at + 12, sender=cp.sender_bot(ME), content="Let me check.")
            if kind == "automation":
                self.add_message(cid, "outgoing", at=at + 11, content="We got your message.",
                                 content_attributes={"automation_rule_id": 2})
            if kind in ("bot_then_human", "human", "campaign"):
                self.add_message(cid, "outgoing", at=reply_at - 30, sender=cp.sender_user(ME), private=True,
                                 content="checking the carrier")
                self.add_message(cid, "outgoing", at=reply_at, sender=cp.sender_user(rng.choice([ME, 4])),
                                 content="It ships today.")
                if rng.random() < 0.6:
                    self.resolve(cid, reply_at + 600)
                    self.add_message(cid, "template", at=reply_at + 3600, content="Please rate the conversation",
                                     content_type="input_csat")
                    if rng.random() < 0.3:  # the customer writes again: reopened
                        self.add_message(cid, "incoming", at=reply_at + 7200, content="It did not arrive")

    def rendered(self, cid: int) -> dict[str, Any]:
        conv = self.conversations[cid]
        return cp.conversation(cid, status=conv["status"], contact_id=conv["contact_id"],
                               first_reply=int(conv["first_reply"] or 0), created_at=int(conv["created_at"]),
                               updated_at=conv["updated_at"], timestamp=int(conv["last_activity_at"]),
                               last_activity_at=int(conv["last_activity_at"]), priority=conv["priority"],
                               labels=list(conv["labels"]),
                               meta={"sender": self.contacts[conv["contact_id"]], "channel": "Channel::WebWidget",
                                     "hmac_verified": False})

    # -- plumbing -------------------------------------------------------------------------------------
    def _guard(self, handler):
        """Authentication and Rack::Attack before the controller, as the server's middleware order has it."""

        def serve(seen: Seen) -> Reply:
            if self.down:
                return Reply(503, {"error": "Service Unavailable"})
            if seen.headers.get("api_access_token") != TOKEN:
                return Reply(401, cp.INVALID_TOKEN)
            if self.limit is not None:
                window = int(self.clock.now // 60)
                self.counted[window] = self.counted.get(window, 0) + 1  # throttled requests count too
                if self.counted[window] > self.limit:
                    return Reply(429, "Retry later\n", {"Content-Type": "text/plain",
                                                        "Date": formatdate(self.clock.now, usegmt=True)})
            with self.lock:
                self.reached.append(seen)
                return handler(seen)

        return serve

    def _profile(self, seen: Seen) -> Reply:
        return Reply(200, {"id": ME, "name": "Ann", "available_name": "Ann A.", "email": "ann@shop.test",
                           "role": "agent", "accounts": [{"id": cp.ACCOUNT, "role": "administrator"}]})

    def _agents(self, seen: Seen) -> Reply:
        return Reply(200, [{"id": ME, "name": "Ann", "available_name": "Ann A.", "email": "ann@shop.test",
                            "role": "administrator"},
                           {"id": 4, "name": "Bob", "available_name": "Bob", "email": "bob@shop.test",
                            "role": "agent"}])

    def _inboxes(self, seen: Seen) -> Reply:
        return Reply(200, {"payload": [{"id": 1, "name": "Chat", "channel_type": "Channel::WebWidget"}]})

    def _contacts(self, seen: Seen) -> Reply:
        order = seen.arg("sort") or ""
        people = list(self.contacts.values())
        if order.lstrip("-") == "name":
            people.sort(key=lambda c: c["name"].lower(), reverse=order.startswith("-"))
        elif order == "-last_activity_at":
            people.sort(key=lambda c: (c.get("last_activity_at") is None, -(c.get("last_activity_at") or 0)))
        page = max(1, int(seen.arg("page") or 1))
        return Reply(200, cp.contacts_page(people[(page - 1) * 15:page * 15], page))

    def _conversations(self, seen: Seen) -> Reply:
        chosen = [c for c in self.conversations.values()
                  if seen.arg("status") == "all" or c["status"] == (seen.arg("status") or "open")]
        sort_by = seen.arg("sort_by") or "last_activity_at_desc"
        if sort_by == "created_at_asc":
            chosen.sort(key=lambda c: c["created_at"])
        else:
            chosen.sort(key=lambda c: -c["last_activity_at"])
        if seen.arg("updated_within") is not None:
            chosen = [c for c in chosen if c["updated_at"] > self.clock.now - int(seen.arg("updated_within"))]
        else:
            page = max(1, int(seen.arg("page") or 1))
            chosen = chosen[(page - 1) * 25:page * 25]
        return Reply(200, cp.conversation_page([self.rendered(c["id"]) for c in chosen]))

    def _message_list(self, seen: Seen, cid: int) -> Reply:
        return cp.messages_handler(self.messages[cid])(seen)

    def _create(self, seen: Seen, cid: int) -> Reply:
        body = seen.body if isinstance(seen.body, dict) else {}
        attrs = body.get("content_attributes") if isinstance(body.get("content_attributes"), dict) else {}
        kept = attrs if self.keeps_marker else {k: v for k, v in attrs.items() if k in ("items", "in_reply_to")}
        msg = self.add_message(cid, body.get("message_type") or "outgoing", at=self.clock.now,
                               sender=cp.sender_user(ME), content=str(body.get("content") or ""),
                               private=bool(body.get("private")), content_attributes=kept)
        self.posted.append(msg)
        self.applied.set()
        if self.hold_post is not None:  # "server applied", the answer not yet sent
            self.lock.release()
            try:
                self.hold_post.wait(30)
            finally:
                self.lock.acquire()
        return Reply(200, msg)

    def _priority(self, seen: Seen, cid: int) -> Reply:
        value = (seen.body or {}).get("priority") if isinstance(seen.body, dict) else None
        if value not in (None, "", "low", "medium", "high", "urgent"):  # ArgumentError from the enum
            return Reply(500, {"status": 500, "error": "Internal Server Error"})
        self.conversations[cid]["priority"] = value or None
        self.conversations[cid]["updated_at"] = self.clock.now
        return Reply(200, b"")

    def _status(self, seen: Seen, cid: int) -> Reply:
        wanted = (seen.body or {}).get("status") if isinstance(seen.body, dict) else None
        conv = self.conversations[cid]
        if wanted and wanted != conv["status"]:
            conv["status"] = wanted
            notice = {"resolved": "Conversation was marked resolved by Ann", "open": "Conversation was reopened by Ann",
                      "pending": "Conversation was marked as pending by Ann",
                      "snoozed": "Conversation was snoozed by Ann"}[wanted]
            self.add_message(cid, "activity", at=self.clock.now, content=notice)
        return Reply(200, {"meta": {}, "payload": {"success": True, "conversation_id": cid,
                                                   "current_status": conv["status"], "snoozed_until": None}})

    def _labels(self, seen: Seen, cid: int) -> Reply:
        wanted = (seen.body or {}).get("labels") if isinstance(seen.body, dict) else []
        self.conversations[cid]["labels"] = [x for x in wanted or [] if x in self.catalogue]
        self.conversations[cid]["updated_at"] = self.clock.now
        return self._labels_show(seen, cid)

    def _labels_show(self, seen: Seen, cid: int) -> Reply:
        return Reply(200, {"payload": list(self.conversations[cid]["labels"])})

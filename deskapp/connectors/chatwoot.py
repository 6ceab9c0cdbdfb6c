"""ChatwootConnector: pulls a Chatwoot account (application API v1) as domain records and pushes outbox items.

Streams, in order: profile, agents, teams, inboxes, canned_responses, conversations, contacts, csat;
plus ``messages/<conversation id>`` per conversation. Cursors are opaque JSON text, except messages,
whose cursor is the last message id seen (decimal text). Paged streams walk ``page=1..`` (cursor
``{"page", "started", "since", "size", "sig", "full_size", "full_at"}``) and, once through, keep
``{"since": <unix time the walk started>, "size": <page size learned>, "full_at": <last full walk>}``;
later pulls ask only for what changed since then, with a safety margin, so nothing slips between pulls:

- conversations: a full walk goes by ``last_activity_at`` desc (the finder's default order in every version),
  so a new account's newest conversations arrive first and the rest is backfilled page by page: activity
  during the walk moves a conversation to page 1 (its later pages repeat one, never skip one), and the
  next pass's window from the walk's start catches the moved ones. Later pulls use ``updated_within``
  (ConversationFinder: every conversation with ``updated_at`` in the window, unpaged) while the window is
  short; after a longer absence a walk by ``last_activity_at`` desc, paged, to the first page older than
  the window (every message, activity notices included, moves it);
- contacts: they have no ``updated_at`` and ``last_activity_at`` moves only when the contact writes (and
  sorts NULLS LAST); so the contact records conversations and messages carry (``meta.sender``, ``sender``)
  refresh them, the walk by ``-last_activity_at`` finds the new ones, and every ``contact_walk_every``
  seconds the whole list is walked again sorted by name (15 per page): an edit on the hub reaches the cache;
- csat: ``since``/``until``.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from deskapp.connectors import chatwoot_mapping as cw
from deskapp.connectors import chatwoot_messages as cm
from deskapp.connectors import chatwoot_push
from deskapp.connectors.base import AuthError, ConnectorError, PayloadError
from deskapp.connectors.chatwoot_answers import service_words
from deskapp.connectors.http import HttpClient, HttpStatusError
from deskapp.connectors.wire import as_int, dig, id_text, log, map_each, parse_time
from deskapp.domain import AuthorKind, Batch, Channel, OutboxItem, OutboxKind, PushResult

# Conversations come before the contact list: a new account's newest conversations are usable while the
# (long) contact walk still waits; each conversation brings its own contact along (``meta.sender``).
STREAMS = ["profile", "agents", "teams", "inboxes", "canned_responses", "conversations", "contacts", "csat"]
MESSAGE_STREAM_PREFIX = "messages/"
MESSAGE_PAGE_MIN = 20  # Chatwoot's smallest message page: fewer than this means we reached the end
MAX_BACK_PAGES = 500  # 10k messages: a first pull of one conversation never loops forever
THROTTLE_WINDOW = 60.0  # Rack::Attack 'req/ip': RACK_ATTACK_LIMIT (3000) requests per fixed minute
MAX_UPDATED_WITHIN = 3600  # seconds: a longer window could answer with thousands of conversations at once
CONTACT_WALK_EVERY = 6 * 3600.0
CAMPAIGN_SECONDS = 2.0  # a campaign's message is written in the transaction that opens its conversation

# 401 bodies (RequestExceptionHandler, AccessTokenAuthHelper, EnsureCurrentAccountHelper): a bad token, or
# a token that works but may not do this (Pundit, or an agent-bot token on a user-only endpoint)
REFUSED_TOKEN = ("invalid access token", "not authorized to access this account")
REFUSED_ACTION = ("not authorized to do this action", "not authorized for bots")


def load_cursor(cursor: str | None) -> dict[str, Any]:
    """Parse an opaque cursor; a garbled one restarts the stream (safe: the store upserts)."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        log.warning("unreadable chatwoot cursor %r: starting the stream over", cursor[:80])
        return {}
    return state if isinstance(state, dict) else {}


def page_items(body: Any, what: str) -> list[Any]:
    """The record list of a page: a bare list, ``payload`` or ``data.payload``."""
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        raise PayloadError(f"{what}: expected an object or a list, got {type(body).__name__}")
    holder = body["data"] if isinstance(body.get("data"), dict) else body
    if "payload" not in holder:
        raise PayloadError(f"{what}: no payload in the answer")
    items = holder.get("payload") or []
    if not isinstance(items, list):
        raise PayloadError(f"{what}: payload is a {type(items).__name__}, not a list")
    return items


class ChatwootConnector:
    """One Chatwoot account. ``margin`` (seconds) widens every incremental window against clock skew."""

    messages_per_conversation = True  # the engine pulls ``messages/<id>`` for each conversation it receives
    parallel_message_pulls = 4  # conversations whose messages the engine may fetch at once (429s still back off)

    def __init__(self, base_url: str, account_id: int | str, token: str, *, http: HttpClient | None = None,
                 margin: float = 120.0, clock: Callable[[], float] = time.time,
                 contact_walk_every: float = CONTACT_WALK_EVERY) -> None:
        self.account_id = str(account_id)
        self.http = http or HttpClient(base_url, {"api_access_token": token, "Accept": "application/json"},
                                       throttle_window=THROTTLE_WINDOW)
        self.prefix = f"/api/v1/accounts/{self.account_id}"
        self.margin = margin
        self.clock = clock
        self.contact_walk_every = contact_walk_every
        self._inboxes: dict[str, tuple[Channel, str]] | None = None
        self._my_id: str | None = None
        # web chat conversations -> their creation time: a website campaign may have opened them, and the
        # message list cannot tell its message from an agent's (see _map_messages)
        self._web_chats: dict[str, float] = {}
        self._ledger = chatwoot_push.Ledger()  # what this connector learned about its sends
        self._walks: dict[str, tuple[int, int]] = {}  # stream -> (records walked, stated total): full walks

    def streams(self) -> list[str]:
        return list(STREAMS)

    def walk_progress(self, stream: str) -> tuple[int, int] | None:
        """(records walked, how many the service says there are) of the full walk of ``stream`` the last
        pull advanced; None while the stream only fetches what changed (a walk of changes has no total)."""
        return self._walks.get(stream)

    def stop_waiting_on(self, event: threading.Event) -> None:
        """A throttle or backoff wait ends at once (Cancelled) when ``event`` is set: the engine's stop."""
        self.http.stop_waiting_on(event)

    def pull(self, stream: str, cursor: str | None) -> Batch:
        if stream.startswith(MESSAGE_STREAM_PREFIX):
            return self._pull_messages(stream[len(MESSAGE_STREAM_PREFIX):], cursor)
        pulls = {"profile": self._pull_profile, "agents": self._pull_agents, "teams": self._pull_teams,
                 "inboxes": self._pull_inboxes, "canned_responses": self._pull_templates,
                 "contacts": self._pull_contacts, "conversations": self._pull_conversations,
                 "csat": self._pull_csat}
        if stream not in pulls:
            raise ValueError(f"unknown chatwoot stream {stream!r}")
        try:
            return pulls[stream](cursor)
        except AuthError as exc:
            if stream == "profile" or not self.refused_action(exc):
                raise
            # Chatwoot answers 401 for "not allowed" too (e.g. CSAT reports for a non-admin): the token
            # is fine, so this one stream is skipped rather than the whole account stopped
            log.warning("chatwoot %s: not permitted for this user; skipping it", stream)
            return Batch([], cursor, True)

    def push(self, item: OutboxItem) -> PushResult:
        try:
            if item.kind in (OutboxKind.REPLY, OutboxKind.NOTE):
                self._ledger.my_id = self.my_id_or_none()  # who "we" are for the exactly-once check
            return chatwoot_push.push(self.http, self.prefix, item, ledger=self._ledger)
        except AuthError as exc:
            if not self.refused_action(exc):
                raise
            words = service_words(exc.body) or "this user may not do this"
            return PushResult(ok=False, conflict="not permitted",
                              detail={"status": exc.status, "message": words})

    def refused_action(self, exc: AuthError) -> bool:
        """Whether a 401/403 refused one action of a working token (True) or the token itself (False).

        Chatwoot answers both with 401: ``{"error": "Invalid Access Token"}`` for a bad token, Pundit's
        ``{"error": "You are not authorized to do this action"}`` for a refusal. An answer that says
        neither is settled by asking for the profile, which any valid token may read.
        """
        body = exc.body.lower()
        if any(words in body for words in REFUSED_TOKEN):
            return False
        if any(words in body for words in REFUSED_ACTION):
            return True
        return self.token_works()

    def token_works(self) -> bool:
        """Whether the token itself is accepted (the profile answers)."""
        try:
            self.http.json("GET", "/api/v1/profile")
        except ConnectorError:
            return False
        return True

    # -- small lists ---------------------------------------------------------------------------------
    def _pull_profile(self, _cursor: str | None) -> Batch:
        try:
            me = cw.profile(self.http.json("GET", "/api/v1/profile"), self.account_id)
        except cw.Unmappable as exc:  # without the signed-in user nothing else can be attributed
            raise PayloadError(f"profile: {exc}") from exc
        self._my_id = me.external_id
        return Batch([me], None, True)

    def my_id(self) -> str | None:
        if self._my_id is None:
            self._pull_profile(None)
        return self._my_id

    def my_id_or_none(self) -> str | None:
        """The signed-in user's id for the exactly-once check; None when the profile cannot be read now
        (the check then relies on the marker alone, and says so in the log)."""
        try:
            return self.my_id()
        except PayloadError:
            return None

    def _pull_agents(self, _cursor: str | None) -> Batch:
        items = page_items(self.http.json("GET", f"{self.prefix}/agents"), "agents")
        me = self.my_id()
        return Batch(map_each(items, lambda a: cw.agent(a, my_id=me), "agent"), None, True)

    def _pull_teams(self, _cursor: str | None) -> Batch:
        items = page_items(self.http.json("GET", f"{self.prefix}/teams"), "teams")
        return Batch(map_each(items, cw.team, "team"), None, True)

    def _pull_inboxes(self, _cursor: str | None) -> Batch:
        items = page_items(self.http.json("GET", f"{self.prefix}/inboxes"), "inboxes")
        inboxes = {}
        for inbox in items:
            inbox_id = id_text(inbox.get("id")) if isinstance(inbox, dict) else None
            if inbox_id is None:
                log.warning("skipping an inbox without an id")
                continue
            inboxes[inbox_id] = (cw.channel_of_inbox(inbox), str(inbox.get("name") or ""))
        self._inboxes = inboxes
        return Batch([], None, True)  # internal: only fills the inbox -> channel map

    def inbox_map(self) -> dict[str, tuple[Channel, str]]:
        if self._inboxes is None:
            self._pull_inboxes(None)
        return self._inboxes or {}

    def _pull_templates(self, _cursor: str | None) -> Batch:
        items = page_items(self.http.json("GET", f"{self.prefix}/canned_responses"), "canned_responses")
        return Batch(map_each(items, cw.template, "canned response"), None, True)

    # -- paged streams -------------------------------------------------------------------------------
    def _paged(self, cursor: str | None, path: str, params: Callable[[dict[str, Any]], dict[str, Any]],
               mapper: Callable[[list[Any]], list[Any]], what: str,
               stop_early: Callable[[list[Any], dict[str, Any]], bool] | None = None,
               full_every: float | None = None, newest_first: bool = False) -> Batch:
        """One page of a page-numbered stream. Done on an empty page, a page repeating the previous one
        (a server ignoring ``page``), a page shorter than the page size learned on an earlier page
        (``size``; a walk of changes uses the size its full walk learned), ``stop_early``, or after the one
        answer of an unpaged query (``updated_within``). Stated totals are not trusted: a wrong one would
        end a walk early. ``full_every``: walk everything again once the last full walk is that old.
        ``newest_first``: a full walk brings the newest records first; its progress is kept for walk_progress."""
        state = load_cursor(cursor)
        page = max(1, as_int(state.get("page"), 1))
        if "page" not in state:  # a new run: a full walk, or a walk of what changed since ``since``
            since, now = state.get("since"), self.clock()
            full_at = state.get("full_at") if isinstance(state.get("full_at"), int | float) else since
            if isinstance(since, int | float) and since > now + self.margin:
                # the cursor is ahead of our clock (the clock went back): what changed since is unknowable
                log.warning("%s cursor %s is ahead of the clock (%s): walking the whole stream again", what,
                            since, now)
                since = None
            elif full_every is not None and isinstance(full_at, int | float) and now - full_at >= full_every:
                log.info("%s: last full walk %.0f s ago, walking the whole list again", what, now - full_at)
                since = None
            state = {"since": since, "started": now, "full_size": state.get("size"), "full_at": full_at}
        query = params(state)
        body = self.http.json("GET", f"{self.prefix}/{path}", params={**query, "page": page})
        raw = page_items(body, what)
        signature = [id_text(dig(raw, 0, "id")), id_text(dig(raw, -1, "id")), len(raw)]
        if raw and signature == state.get("sig"):
            log.warning("%s page %d repeats the previous page: treating the stream as complete", what, page)
            raw = []
        incremental = isinstance(state.get("since"), int | float)
        known = as_int(state.get("full_size") if incremental else state.get("size"))
        if newest_first and not incremental:  # for progress only: a stated total never decides when a walk ends
            walked = (page - 1) * max(as_int(state.get("size")), len(raw)) + len(raw)
            stated = as_int(dig(body, "data", "meta", "all_count"), as_int(dig(body, "meta", "count")))
            self._walks[what] = (walked, max(stated, walked))
        else:
            self._walks.pop(what, None)
        done = (not raw or len(raw) < known or "updated_within" in query
                or (stop_early is not None and stop_early(raw, state)))
        items = mapper(raw)
        size = max(as_int(state.get("size")), len(raw))
        if done:
            learned = state.get("full_size") if incremental else size
            full_at = state.get("full_at") if incremental else state["started"]
            return Batch(items, json.dumps({"since": state["started"], "size": learned, "full_at": full_at}), True)
        nxt = {**state, "page": page + 1, "size": size, "sig": signature}
        return Batch(items, json.dumps(nxt), False)

    def _since_window(self, state: dict[str, Any]) -> int | None:
        since = state.get("since")
        if not isinstance(since, int | float):
            return None
        return max(1, math.ceil(state["started"] - since + self.margin))

    def _older_than_since(self, field: str) -> Callable[[list[Any], dict[str, Any]], bool]:
        """stop_early for walks sorted by ``field`` descending: the page holds nothing newer than the cursor."""

        def older(raw: list[Any], state: dict[str, Any]) -> bool:
            if not isinstance(state.get("since"), int | float):
                return False
            cutoff = state["since"] - self.margin
            times = [parse_time(r.get(field)) for r in raw if isinstance(r, dict)]
            return all(t is None or t.timestamp() < cutoff for t in times)

        return older

    def _pull_conversations(self, cursor: str | None) -> Batch:
        def params(state: dict[str, Any]) -> dict[str, Any]:
            query: dict[str, Any] = {"status": "all", "assignee_type": "all"}
            window = self._since_window(state)
            if window is None:  # a full walk: newest first (see module docstring)
                query["sort_by"] = "last_activity_at_desc"
            elif window <= MAX_UPDATED_WITHIN:
                query["updated_within"] = window
            else:  # a long absence: paged, newest activity first, down to the cursor
                query["sort_by"] = "last_activity_at_desc"
            return query

        inboxes = self.inbox_map()

        def mapper(raw: list[Any]) -> list[Any]:
            # senders first, so a conversation's contact is in the same batch even if it is brand new
            contacts = {c.external_id: c for c in (cw.sender_contact(r) for r in raw) if c is not None}
            conversations = map_each(raw, lambda r: cw.conversation(r, inboxes), "conversation")
            for conv in conversations:
                if conv.channel is Channel.WEB_CHAT:
                    self._web_chats[conv.external_id] = conv.created_at.timestamp()
            return [*contacts.values(), *conversations]

        return self._paged(cursor, "conversations", params, mapper, "conversations",
                           stop_early=self._older_than_since("last_activity_at"), newest_first=True)

    def _pull_contacts(self, cursor: str | None) -> Batch:
        def params(state: dict[str, Any]) -> dict[str, Any]:
            # ContactsController sorts on name, email, phone_number, last_activity_at (+ created_at in v4),
            # never on id: name is the stable order every version accepts
            return {"sort": "-last_activity_at"} if self._since_window(state) else {"sort": "name"}

        return self._paged(cursor, "contacts", params, lambda raw: map_each(raw, cw.contact, "contact"),
                           "contacts", stop_early=self._older_than_since("last_activity_at"),
                           full_every=self.contact_walk_every)

    def _pull_csat(self, cursor: str | None) -> Batch:
        def params(state: dict[str, Any]) -> dict[str, Any]:
            if not isinstance(state.get("since"), int | float):
                return {}
            return {"since": int(state["since"] - self.margin), "until": int(state["started"] + 86400)}

        try:
            return self._paged(cursor, "csat_survey_responses", params,
                               lambda raw: map_each(raw, cw.survey, "csat response"), "csat")
        except HttpStatusError as exc:
            if exc.status_code != 404:
                raise
            log.warning("this Chatwoot serves no csat_survey_responses (404): no CSAT from it")
            return Batch([], cursor, True)

    # -- messages ------------------------------------------------------------------------------------
    def _messages_page(self, conversation_id: str, params: dict[str, Any]) -> list[dict[str, Any]] | None:
        """One page of messages, ascending by id; None when the conversation is gone (404)."""
        path = f"{self.prefix}/conversations/{conversation_id}/messages"
        try:
            raw = page_items(self.http.json("GET", path, params=params), f"messages of {conversation_id}")
        except HttpStatusError as exc:
            if exc.status_code == 404:
                log.info("conversation %s is gone (404): no messages to pull", conversation_id)
                return None
            raise
        good = [m for m in raw if isinstance(m, dict) and (id_text(m.get("id")) or "").isdigit()]
        if len(good) != len(raw):
            log.warning("skipping %d message records without a numeric id", len(raw) - len(good))
        return sorted(good, key=lambda m: int(m["id"]))

    def _pull_messages(self, conversation_id: str, cursor: str | None) -> Batch:
        """First pull: the latest page, then ``before=`` back to the start (whole conversation in one
        batch, so KPIs never see half a thread). Later pulls: the latest page again when it reaches back
        over the cursor (one request, as many as before; the recent messages it repeats carry any edit or
        delete made on the hub since), else ``after=<cursor>``, oldest first."""
        last = int(cursor) if cursor and cursor.strip().isdigit() else None
        newest: int | None
        if last is None:
            collected: dict[int, dict[str, Any]] = {}
            page = self._messages_page(conversation_id, {})
            for _ in range(MAX_BACK_PAGES):
                if not page:
                    break
                oldest = min(collected) if collected else None
                fresh = [m for m in page if int(m["id"]) not in collected]
                collected.update((int(m["id"]), m) for m in page)
                if len(page) < MESSAGE_PAGE_MIN or not fresh or (oldest and min(collected) >= oldest):
                    break
                page = self._messages_page(conversation_id, {"before": min(collected)})
            raw = [collected[k] for k in sorted(collected)]
            done = True
        else:
            latest = self._messages_page(conversation_id, {}) or []
            if latest and int(latest[0]["id"]) <= last:  # every new message is on it
                newest = max(last, int(latest[-1]["id"]))
                return Batch(self._map_messages(latest, conversation_id), str(newest), True)
            page = self._messages_page(conversation_id, {"after": last}) or []
            raw = [m for m in page if int(m["id"]) > last]
            if len(raw) != len(page):
                log.warning("messages of %s: %d records at or before cursor %d ignored", conversation_id,
                            len(page) - len(raw), last)
            done = len(raw) < MESSAGE_PAGE_MIN
        newest = max([int(m["id"]) for m in raw] + ([last] if last is not None else []), default=None)
        return Batch(self._map_messages(raw, conversation_id), str(newest) if newest is not None else cursor, done)

    def _map_messages(self, raw: list[dict[str, Any]], conversation_id: str) -> list[Any]:
        """Messages, preceded by the contact records their customer senders carry.

        A website campaign opens a web chat: CampaignConversationBuilder creates the conversation and the
        campaign's message (sent as the campaign's User) in one transaction, before the visitor writes.
        Neither the conversation list nor the message list shows a ``campaign_id`` (only the message's own
        additional_attributes hold it), and agents cannot start a web chat, so in a web chat a User's message
        written as the conversation opened is the campaign's. The answer depends on the message and the
        conversation alone, so every page that carries the message again maps it the same way.
        """
        opened = self._web_chat_opened(conversation_id, raw)

        def one(payload: dict[str, Any]) -> Any:
            at = parse_time(payload.get("created_at"))
            campaign = opened is not None and at is not None and at.timestamp() <= opened + CAMPAIGN_SECONDS
            return cm.message(payload, conversation_id, campaign=campaign)

        contacts = {c.external_id: c for c in (cw.sender_contact(m) for m in raw) if c is not None}
        return [*contacts.values(), *map_each(raw, one, "message")]

    def _web_chat_opened(self, conversation_id: str, raw: list[dict[str, Any]]) -> float | None:
        """When the web chat ``conversation_id`` opened, if one of ``raw`` may be a campaign's message (a User's
        outgoing message in a web widget inbox); else None. Known from the conversation list of this run, or
        (a pull resumed after a crash, before the list was read again) from the conversation itself."""
        inboxes = self.inbox_map()
        if not any(cm.MESSAGE_TYPES.get(m.get("message_type")) == "outgoing"
                   and inboxes.get(id_text(m.get("inbox_id")) or "", (None, ""))[0] is Channel.WEB_CHAT
                   and cm.sender_kind(m)[0] is AuthorKind.AGENT for m in raw):
            return None
        if conversation_id not in self._web_chats:
            try:
                conv = cw.conversation(self.http.json("GET", f"{self.prefix}/conversations/{conversation_id}"),
                                       inboxes)
            except (PayloadError, cw.Unmappable) as exc:  # gone or unreadable: its messages still map
                log.info("conversation %s not readable (%s): no campaign message looked for", conversation_id, exc)
                return None
            if conv.channel is not Channel.WEB_CHAT:
                return None
            self._web_chats[conversation_id] = conv.created_at.timestamp()
        return self._web_chats[conversation_id]

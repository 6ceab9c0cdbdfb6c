"""Automation rules and macros for the Rules screen and the macro palette: fetched from the hub and kept in the
cache, written to the hub, and a rule's preview over the cached conversations ("would have matched 214 in the
last 7 days", each with what it would have done).

Every method does I/O: the UI calls them from its worker pool, never on the GUI thread.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from deskapp.connectors.base import AuthError, ConnectorError
from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.chatwoot_automation import (
    ChatwootAutomation,
    HubRefused,
    macro_from_wire,
    refusal_text,
    rule_from_wire,
)
from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind
from deskapp.domain.automation import (
    AutomationRule,
    ConversationFacts,
    Effect,
    Macro,
    conditions_match,
    draft_problems,
    effects,
    operator_problems,
    rule_errors,
)
from deskapp.services.account_schedule import AccountSchedule
from deskapp.store import automation_rows as rows
from deskapp.store.accounts import list_accounts
from deskapp.store.engine import Database
from deskapp.sync import registry

_T = TypeVar("_T")

DAY = 86400
HUB_LISTS_EVERY = 900.0  # seconds between two fetches of a hub's rules, macros and pickers by the sync engine
# someone is waiting on the Rules screen: two retries, the HTTP layer's own timeouts
RULES_POLICY: dict[str, Any] = {"max_attempts": 3}
log = logging.getLogger(__name__)
# our template variables -> the placeholders the hub fills itself in an outgoing message (Liquid)
_HUB_VARS = {"customer.name": "contact.name", "customer.first_name": "contact.first_name",
             "customer.last_name": "contact.last_name", "customer.email": "contact.email",
             "customer.phone": "contact.phone", "conversation.id": "conversation.id"}
_JINJA_VAR = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")


class AutomationError(Exception):
    """A write the hub refused or could not take, in words for the screen (the hub's own messages included)."""


@dataclass(frozen=True, slots=True)
class PreviewHit:
    conversation_id: int  # local id: the screen opens it
    external_id: str
    title: str  # customer — subject
    channel: str
    created_at: int
    effects: tuple[Effect, ...]

    @property
    def changes(self) -> bool:
        return any(e.changes for e in self.effects)


@dataclass(frozen=True, slots=True)
class Preview:
    hits: tuple[PreviewHit, ...]
    scanned: int  # conversations, or incoming messages for a message event, the rule was tried on
    scanned_unit: str  # "conversations" | "messages"
    days: int
    seconds: float

    @property
    def summary(self) -> str:
        n = len(self.hits)
        changed = sum(1 for h in self.hits if h.changes)
        return (f"Would have matched {n} conversation{'' if n == 1 else 's'} in the last {self.days} days"
                f" and changed {changed} of them ({self.scanned} {self.scanned_unit} tried)")


def _hub_for(db: Database, secrets: SecretStore) -> Callable[[int], ChatwootAutomation]:
    def make(account_id: int) -> ChatwootAutomation:
        with db.read() as conn:
            account = next((a for a in list_accounts(conn) if a.id == account_id), None)
        if account is None or AccountKind(account.kind) != AccountKind.CHATWOOT:
            raise AutomationError(f"account {account_id} is not a Chatwoot hub")
        try:
            hub = registry.hub_client(account, secrets, **RULES_POLICY)
        except AuthError as exc:
            raise AutomationError("no token stored for this hub; add the account again") from exc
        return ChatwootAutomation(hub.http, hub.account_id)
    return make


class AutomationService:
    """Rules and macros of the Chatwoot accounts; ``hub``: account id -> a client (tests pass their own)."""

    def __init__(self, db: Database, secrets: SecretStore | None = None,
                 hub: Callable[[int], ChatwootAutomation] | None = None) -> None:
        if hub is None and secrets is None:
            raise ValueError("either a secret store or a hub factory")
        self.db = db
        self.hub = hub or _hub_for(db, secrets)  # type: ignore[arg-type]

    def chatwoot_accounts(self) -> list[tuple[int, str]]:
        with self.db.read() as conn:
            return [(a.id, a.name) for a in list_accounts(conn)
                    if AccountKind(a.kind) == AccountKind.CHATWOOT]

    # -- reading ---------------------------------------------------------------------------------
    def cached_rules(self, account_id: int) -> list[AutomationRule]:
        with self.db.read() as conn:
            raw = rows.load_hub_list(conn, account_id, "automation_rules") or []
        return [rule_from_wire(r) for r in raw if isinstance(r, dict)]

    def cached_macros(self, account_id: int) -> list[Macro]:
        with self.db.read() as conn:
            raw = rows.load_hub_list(conn, account_id, "macros") or []
        return [macro_from_wire(m) for m in raw if isinstance(m, dict)]

    def pickers(self, account_id: int) -> dict[str, list[Any]]:
        with self.db.read() as conn:
            found = rows.load_hub_list(conn, account_id, "pickers")
        return found if isinstance(found, dict) else {"inboxes": [], "teams": [], "agents": [], "labels": []}

    def refresh(self, account_id: int, *, macros_only: bool = False) -> bool:
        """Fetch rules, macros and pickers into the cache; False when the hub shows this user no rules (they are
        for administrators: an agent's 401 leaves them out)."""
        hub = self.hub(account_id)
        fetched: dict[str, Any] = {}
        readable = True
        try:
            fetched["macros"] = [_wire_macro(m) for m in hub.macros()]
            if not macros_only:
                fetched["pickers"] = hub.pickers()
                try:
                    fetched["automation_rules"] = [_wire_rule(r) for r in hub.rules()]
                except AuthError:
                    fetched["automation_rules"], readable = [], False
        except ConnectorError as exc:
            raise AutomationError(f"the hub could not be read: {exc}") from exc
        with self.db.write() as conn:
            for kind, records in fetched.items():
                rows.save_hub_list(conn, account_id, kind, records)
        return readable

    # -- writing ---------------------------------------------------------------------------------
    def save_rule(self, account_id: int, rule: AutomationRule) -> AutomationRule:
        """Create or update the rule on the hub and in the cache; AutomationError says why not."""
        problems = draft_problems(rule) + [refusal_text(rule_errors(rule))] * bool(rule_errors(rule))
        if problems:
            raise AutomationError("; ".join(problems))
        saved = self._write(lambda hub: hub.create_rule(rule) if rule.id is None else hub.update_rule(rule),
                            account_id)
        self._remember(account_id, "automation_rules", _wire_rule(saved))
        return saved

    def set_rule_active(self, account_id: int, rule_id: int, active: bool) -> AutomationRule:
        saved = self._write(lambda hub: hub.set_rule_active(rule_id, active), account_id)
        self._remember(account_id, "automation_rules", _wire_rule(saved))
        return saved

    def switch_all_off(self, account_id: int) -> list[AutomationRule]:
        """Switch every active rule of the hub off at once (the rules' kill switch); the rules as they now are.
        A rule the hub would not switch off is named in the AutomationError, after the others are off."""
        self.refresh(account_id)
        stuck = []
        for rule in self.cached_rules(account_id):
            if rule.active and rule.id is not None:
                try:
                    self.set_rule_active(account_id, rule.id, False)
                except AutomationError as exc:
                    stuck.append(f"{rule.name!r} ({exc})")
        if stuck:
            raise AutomationError(f"still active on the hub: {', '.join(stuck)}")
        return self.cached_rules(account_id)

    def delete_rule(self, account_id: int, rule_id: int) -> None:
        self._write(lambda hub: hub.delete_rule(rule_id), account_id)
        self._forget(account_id, "automation_rules", rule_id)

    def save_macro(self, account_id: int, macro: Macro) -> Macro:
        saved = self._write(lambda hub: hub.create_macro(macro) if macro.id is None else hub.update_macro(macro),
                            account_id)
        self._remember(account_id, "macros", _wire_macro(saved))
        return saved

    def delete_macro(self, account_id: int, macro_id: int) -> None:
        self._write(lambda hub: hub.delete_macro(macro_id), account_id)
        self._forget(account_id, "macros", macro_id)

    def _write(self, call: Callable[[ChatwootAutomation], _T], account_id: int) -> _T:
        try:
            return call(self.hub(account_id))
        except HubRefused as exc:
            raise AutomationError(f"the hub refused it: {refusal_text(exc.errors)}") from exc
        except AuthError as exc:
            raise AutomationError("the hub says you may not do this (rules are for administrators)") from exc
        except ConnectorError as exc:
            raise AutomationError(f"the hub could not be reached; nothing was changed: {exc}") from exc

    def _remember(self, account_id: int, kind: str, record: dict[str, Any]) -> None:
        with self.db.write() as conn:
            known = [r for r in rows.load_hub_list(conn, account_id, kind) or [] if r.get("id") != record["id"]]
            rows.save_hub_list(conn, account_id, kind, sorted([*known, record], key=lambda r: r["id"]))

    def _forget(self, account_id: int, kind: str, record_id: int) -> None:
        with self.db.write() as conn:
            known = rows.load_hub_list(conn, account_id, kind) or []
            rows.save_hub_list(conn, account_id, kind, [r for r in known if r.get("id") != record_id])

    # -- the preview -----------------------------------------------------------------------------
    def preview(self, account_id: int, rule: AutomationRule, *, now: float, days: int = 7) -> Preview:
        """The rule run over the cached conversations of the last `days` days, as the hub would have run it."""
        started = time.perf_counter()
        since = int(now) - days * DAY
        pick = self.pickers(account_id)
        inbox_ids = {str(i["name"]): str(i["id"]) for i in pick.get("inboxes", [])}
        names = {"team": {str(t["id"]): t["name"] for t in pick.get("teams", [])},
                 "agent": {str(a["id"]): a["name"] for a in pick.get("agents", [])}}
        reads_message = any(c.attribute_key in ("content", "message_type") for c in rule.conditions)
        with self.db.read() as conn:
            if rule.event_name == "message_created":
                subjects = rows.incoming_messages_since(conn, account_id, since)
            else:
                subjects = rows.conversations_since(conn, account_id, since, with_text=reads_message,
                                                    changed=rule.event_name == "conversation_updated")
        hits: dict[int, PreviewHit] = {}
        runs = not operator_problems(rule)  # the hub refuses such a rule at event time: it matches nothing
        for subject in subjects if runs else ():
            if subject.conversation_id in hits:
                continue  # one message of it matched already
            facts = _facts(subject, inbox_ids, rule.event_name)
            if conditions_match(rule.conditions, facts):
                title = " — ".join(x for x in (subject.customer, subject.subject) if x) or f"#{subject.external_id}"
                hits[subject.conversation_id] = PreviewHit(
                    subject.conversation_id, subject.external_id, title, subject.channel, subject.created_at,
                    tuple(effects(rule.actions, facts, names)))
        ordered = sorted(hits.values(), key=lambda h: -h.created_at)
        unit = "messages" if rule.event_name == "message_created" else "conversations"
        return Preview(tuple(ordered), len(subjects), unit, days, time.perf_counter() - started)


class HubListsSync:
    """A sync engine before-pull step: a Chatwoot hub's rules, macros and pickers fetched into the cache over the
    account's own connection, at most every ``every`` seconds, so the Rules screen and the macro palette have
    them offline. A failure is logged and left for the next pass: it never holds up the pull."""

    def __init__(self, db: Database, *, every: float = HUB_LISTS_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.schedule = AccountSchedule(every, clock)

    def __call__(self, account_id: int, connector: object) -> None:
        if not isinstance(connector, ChatwootConnector) or self.schedule.claim(account_id) is None:
            return
        hub = ChatwootAutomation(connector.http, connector.account_id)
        try:
            AutomationService(self.db, hub=lambda _a: hub).refresh(account_id)
        except AutomationError as exc:
            log.warning("automation rules and macros of account %s not refreshed: %s", account_id, exc)


def hub_message(template_body: str) -> str:
    """A template's body as the hub's automation can send it: our customer variables become its Liquid
    placeholders; AutomationError when it uses anything the hub cannot fill (orders, agent, logic)."""
    converted = _JINJA_VAR.sub(lambda m: "{{" + _HUB_VARS[m.group(1)] + "}}" if m.group(1) in _HUB_VARS
                               else m.group(0), template_body)
    leftover = [m.group(1) for m in _JINJA_VAR.finditer(converted) if m.group(1) not in _HUB_VARS.values()]
    if leftover or "{%" in converted:
        what = ", ".join(leftover) or "template logic"
        raise AutomationError(f"the hub cannot fill {what} in a rule's message")
    return converted


def acknowledgements(templates: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, hub message) of the templates a rule can send: those whose variables the hub fills."""
    out = []
    for name, body in templates:
        try:
            out.append((name, hub_message(body)))
        except AutomationError:
            continue
    return out


def _facts(s: rows.RuleSubject, inbox_ids: dict[str, str], event: str) -> ConversationFacts:
    try:
        labels = frozenset(str(x) for x in json.loads(s.labels or "[]"))
    except (ValueError, TypeError):
        labels = frozenset()
    return ConversationFacts(
        conversation_id=s.external_id, status=s.status, priority=None if s.priority in ("", "none") else s.priority,
        inbox_id=inbox_ids.get(s.inbox_name), assignee_id=s.assignee, team_id=s.team, labels=labels,
        attributes={"mail_subject": s.subject or None} if s.channel == "email" else {},
        message_type="incoming" if s.text is not None or event == "message_created" else None, content=s.text)


def _wire_rule(rule: AutomationRule) -> dict[str, Any]:
    return {"id": rule.id, "created_on": rule.created_on, **rule.wire()}


def _wire_macro(macro: Macro) -> dict[str, Any]:
    return {"id": macro.id, **macro.wire()}

"""Chatwoot's automation rules and macros over its application API, for the rules and macros services.

Shapes from the server's source: the index views wrap the list in ``payload``; a created rule comes back bare,
an updated one (and a shown one) inside ``payload``; a refused write is 422 with ``{"error": {field: [text]}}``
(``errors.messages``; update sends the same as a JSON string body); destroy and macro execute are ``head :ok``.
Macro execution is queued on the hub (MacrosExecutionJob), so a 200 means "accepted", not "done".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from deskapp.connectors.base import PayloadError
from deskapp.connectors.http import HttpClient
from deskapp.connectors.wire import as_int, log
from deskapp.domain.automation import AutomationRule, Macro, parse_actions, parse_conditions


class HubRefused(PayloadError):
    """The hub refused a write (422) or does not have the record (404); ``errors``: its field -> messages."""

    def __init__(self, message: str, *, status: int, errors: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


def refusal_text(errors: dict[str, list[str]]) -> str:
    """The hub's field errors as one line an agent can read."""
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()) or "refused"


def _errors_of(response: requests.Response) -> dict[str, list[str]]:
    try:
        body = response.json()
    except ValueError:
        return {"base": [response.text[:200] or f"HTTP {response.status_code}"]}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in error.items()}
    if error:
        return {"base": [str(error)]}
    return {"base": [str(body)[:200]]}


def _record(body: Any, what: str) -> dict[str, Any]:
    """One record: bare, or inside ``payload`` (update and show wrap it, create does not)."""
    if isinstance(body, dict) and isinstance(body.get("payload"), dict):
        body = body["payload"]
    if not isinstance(body, dict) or not as_int(body.get("id")):
        raise PayloadError(f"{what}: expected a record with an id")
    return body


def _records(body: Any, what: str) -> list[dict[str, Any]]:
    items = body.get("payload") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise PayloadError(f"{what}: no payload list in the answer")
    return [item for item in items if isinstance(item, dict)]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def rule_from_wire(raw: dict[str, Any]) -> AutomationRule:
    conditions = _list(raw.get("conditions"))
    actions = _list(raw.get("actions"))
    return AutomationRule(id=as_int(raw.get("id")), name=str(raw.get("name") or ""),
                          event_name=str(raw.get("event_name") or ""), conditions=parse_conditions(conditions),
                          actions=parse_actions(actions), description=str(raw.get("description") or ""),
                          active=bool(raw.get("active", True)), created_on=as_int(raw.get("created_on")) or None)


def macro_from_wire(raw: dict[str, Any]) -> Macro:
    actions = _list(raw.get("actions"))
    return Macro(id=as_int(raw.get("id")), name=str(raw.get("name") or ""), actions=parse_actions(actions),
                 visibility=str(raw.get("visibility") or "personal"))


class ChatwootAutomation:
    """Rules and macros of one Chatwoot account; every call raises HubRefused, AuthError or TransientError."""

    def __init__(self, http: HttpClient, account_id: int | str) -> None:
        self.http = http
        self.prefix = f"/api/v1/accounts/{account_id}"

    def _call(self, method: str, path: str, what: str, body: Any = None) -> Any:
        response = self.http.request(method, self.prefix + path, json=body)
        status = response.status_code
        if status in (404, 422):
            errors = _errors_of(response) if status == 422 else {"base": ["not found on the hub"]}
            log.warning("%s refused (%s): %s", what, status, errors)
            raise HubRefused(f"{what}: {refusal_text(errors)}", status=status, errors=errors)
        if not 200 <= status < 300:
            raise PayloadError(f"{what}: HTTP {status}")
        if not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise PayloadError(f"{what}: the answer is not JSON") from exc

    # -- what a rule can name ---------------------------------------------------------------------
    def pickers(self) -> dict[str, list[Any]]:
        """The account's inboxes, teams, agents (id, name) and label titles: what conditions and actions name."""
        def listed(path: str, what: str) -> list[dict[str, Any]]:
            body = self._call("GET", path, what)
            return [x for x in body if isinstance(x, dict)] if isinstance(body, list) else _records(body, what)

        def named(items: list[dict[str, Any]], *extra: str) -> list[dict[str, Any]]:
            return [{"id": as_int(i.get("id")), "name": str(i.get("name") or ""), **{k: i.get(k) for k in extra}}
                    for i in items if as_int(i.get("id"))]

        return {"inboxes": named(listed("/inboxes", "list inboxes"), "channel_type"),
                "teams": named(listed("/teams", "list teams")),
                "agents": named(listed("/agents", "list agents")),
                "labels": [str(x.get("title")) for x in listed("/labels", "list labels") if x.get("title")]}

    # -- automation rules -------------------------------------------------------------------------
    def rules(self) -> list[AutomationRule]:
        return [rule_from_wire(r) for r in _records(self._call("GET", "/automation_rules", "list rules"),
                                                     "list rules")]

    def rule(self, rule_id: int) -> AutomationRule:
        return rule_from_wire(_record(self._call("GET", f"/automation_rules/{rule_id}", "show rule"), "show rule"))

    def create_rule(self, rule: AutomationRule) -> AutomationRule:
        body = self._call("POST", "/automation_rules", f"create rule {rule.name!r}", rule.wire())
        return rule_from_wire(_record(body, "create rule"))

    def update_rule(self, rule: AutomationRule) -> AutomationRule:
        if rule.id is None:
            raise ValueError("a rule the hub does not have yet is created, not updated")
        body = self._call("PATCH", f"/automation_rules/{rule.id}", f"update rule {rule.name!r}", rule.wire())
        return rule_from_wire(_record(body, "update rule"))

    def set_rule_active(self, rule_id: int, active: bool) -> AutomationRule:
        body = self._call("PATCH", f"/automation_rules/{rule_id}", "switch rule", {"active": active})
        return rule_from_wire(_record(body, "switch rule"))

    def delete_rule(self, rule_id: int) -> None:
        self._call("DELETE", f"/automation_rules/{rule_id}", "delete rule")

    # -- macros -----------------------------------------------------------------------------------
    def macros(self) -> list[Macro]:
        return [macro_from_wire(m) for m in _records(self._call("GET", "/macros", "list macros"), "list macros")]

    def create_macro(self, macro: Macro) -> Macro:
        return macro_from_wire(_record(self._call("POST", "/macros", f"create macro {macro.name!r}", macro.wire()),
                                       "create macro"))

    def update_macro(self, macro: Macro) -> Macro:
        if macro.id is None:
            raise ValueError("a macro the hub does not have yet is created, not updated")
        body = self._call("PATCH", f"/macros/{macro.id}", f"update macro {macro.name!r}", macro.wire())
        return macro_from_wire(_record(body, "update macro"))

    def delete_macro(self, macro_id: int) -> None:
        self._call("DELETE", f"/macros/{macro_id}", "delete macro")

    def execute_macro(self, macro_id: int, conversation_ids: Sequence[int | str]) -> None:
        """Queue the macro on the hub for these conversations (display ids)."""
        ids = [as_int(c) for c in conversation_ids]
        self._call("POST", f"/macros/{macro_id}/execute", "run macro", {"conversation_ids": ids})

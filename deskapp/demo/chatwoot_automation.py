"""The demo hub's automation rules and macros: the Chatwoot endpoints (chatwoot_api.ROUTES) and the rules run on
the hub's own events, as AutomationRuleListener and ActionService do.

Only administrators may touch rules (AutomationRulePolicy); macros are an agent's own (personal) or everyone's
(global, set by an administrator). A refused rule is 422 ``{"error": errors.messages}``; a rule with no
conditions or actions at all hits the table's NOT NULL and is a 500. Rules run on conversation_created (after the
opening message, as the hub's queued listener finds it) and message_created; what a rule itself writes carries
``automation_rule_id`` and triggers nothing, so two rules never feed each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deskapp.demo.chatwoot_common import EMPTY, INTERNAL_ERROR, Answer, ApiError, body_dict, ruby_int
from deskapp.domain.automation import (
    CONDITION_OPERATORS,
    AutomationRule,
    ConversationFacts,
    Macro,
    macro_errors,
    parse_actions,
    parse_conditions,
    rule_errors,
    rule_matches,
)

if TYPE_CHECKING:  # state.py calls in here: a runtime import would be circular
    from deskapp.demo.seed import Conversation
    from deskapp.demo.state import DemoState

INCOMING, OUTGOING, ACTIVITY = 0, 1, 2
AUTOMATION_NAME = "Automation System"
_MESSAGE_TYPES = {INCOMING: "incoming", OUTGOING: "outgoing"}
_STATUS_ACTIONS = {"resolve_conversation": "resolved", "open_conversation": "open",
                   "pending_conversation": "pending", "snooze_conversation": "snoozed"}


def _admin_only(state: DemoState, me: int) -> None:
    if not state.is_admin(me):
        raise ApiError.not_authorized()


def _rule_json(state: DemoState, rule: dict) -> dict:
    return {"id": rule["id"], "account_id": state.account_id, "name": rule["name"],
            "description": rule["description"], "event_name": rule["event_name"], "conditions": rule["conditions"],
            "actions": rule["actions"], "created_on": rule["created_on"], "active": rule["active"],
            "execution_delay": None}


def _rule_of(state: DemoState, raw_id: str) -> dict:
    rule = state.automation_rules.get(ruby_int(raw_id, 0))
    if rule is None:
        raise ApiError.not_found()
    return rule


def _permitted(body: dict, keys: tuple[str, ...]) -> dict:
    return {k: body[k] for k in keys if k in body}


def _check_rule(record: dict) -> None:
    if not record.get("name") or not record.get("event_name") or not isinstance(record.get("conditions"), list) \
            or not isinstance(record.get("actions"), list):
        raise ApiError(500, INTERNAL_ERROR)  # NOT NULL columns: the insert raises, nobody rescues it
    rule = AutomationRule(None, record["name"], record["event_name"], parse_conditions(record["conditions"]),
                          parse_actions(record["actions"]))
    errors = rule_errors(rule)
    if errors:
        raise ApiError(422, {"error": errors})


def rules_index(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    _admin_only(state, me)
    with state.lock:
        return 200, {"payload": [_rule_json(state, r) for r in sorted(state.automation_rules.values(),
                                                                     key=lambda r: r["id"])]}


def rule_show(state: DemoState, me: int, q: dict, body: Any, rule_id: str) -> Answer:
    _admin_only(state, me)
    with state.lock:
        return 200, {"payload": _rule_json(state, _rule_of(state, rule_id))}


def rule_create(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    _admin_only(state, me)
    body = body_dict(body)
    record = {"description": None, "active": True,
              **_permitted(body, ("name", "description", "event_name", "active", "conditions", "actions"))}
    _check_rule(record)
    with state.lock:
        record["id"] = max(state.automation_rules, default=0) + 1
        record["created_on"] = int(state.now())
        record["active"] = record["active"] not in (False, "false", "0", 0)
        state.automation_rules[record["id"]] = record
        return 200, _rule_json(state, record)


def rule_update(state: DemoState, me: int, q: dict, body: Any, rule_id: str) -> Answer:
    _admin_only(state, me)
    body = body_dict(body)
    with state.lock:
        rule = _rule_of(state, rule_id)
        record = {**rule, **_permitted(body, ("name", "description", "event_name", "active", "conditions",
                                              "actions"))}
        _check_rule(record)
        record["active"] = record["active"] not in (False, "false", "0", 0)
        state.automation_rules[rule["id"]] = record
        return 200, {"payload": _rule_json(state, record)}


def rule_destroy(state: DemoState, me: int, q: dict, body: Any, rule_id: str) -> Answer:
    _admin_only(state, me)
    with state.lock:
        del state.automation_rules[_rule_of(state, rule_id)["id"]]
        return 200, EMPTY


# -- macros ----------------------------------------------------------------------------------------------------
def _macro_json(state: DemoState, macro: dict) -> dict:
    return {"id": macro["id"], "name": macro["name"], "visibility": macro["visibility"],
            "created_by": {"id": macro["created_by"], "name": state.agent(macro["created_by"])["name"]},
            "updated_by": {"id": macro["updated_by"], "name": state.agent(macro["updated_by"])["name"]},
            "account_id": state.account_id, "actions": macro["actions"]}


def _visible(state: DemoState, me: int, macro: dict) -> bool:
    return state.is_admin(me) or macro["visibility"] == "global" or macro["created_by"] == me


def _macro_of(state: DemoState, me: int, raw_id: str) -> dict:
    macro = state.macros.get(ruby_int(raw_id, 0))
    if macro is None:
        raise ApiError.not_found()
    if not _visible(state, me, macro):
        raise ApiError.not_authorized()  # MacroPolicy: another agent's personal macro
    return macro


def _macro_record(state: DemoState, me: int, base: dict, body: dict) -> dict:
    record = {**base, **_permitted(body, ("name", "actions")), "updated_by": me}
    # set_visibility: an agent's macros are personal whatever they ask
    record["visibility"] = body.get("visibility") if state.is_admin(me) else "personal"
    if record["visibility"] not in ("personal", "global"):
        raise ApiError(500, INTERNAL_ERROR)  # ArgumentError from the enum
    if not record.get("name") or not isinstance(record.get("actions"), list):
        raise ApiError(500, INTERNAL_ERROR)
    errors = macro_errors(Macro(None, record["name"], parse_actions(record["actions"])))
    if errors:
        raise ApiError(422, {"error": errors})
    return record


def macros_index(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    with state.lock:
        return 200, {"payload": [_macro_json(state, m) for m in sorted(state.macros.values(), key=lambda m: m["id"])
                                 if _visible(state, me, m)]}


def macro_show(state: DemoState, me: int, q: dict, body: Any, macro_id: str) -> Answer:
    with state.lock:
        return 200, {"payload": _macro_json(state, _macro_of(state, me, macro_id))}


def macro_create(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    body = body_dict(body)
    with state.lock:
        record = _macro_record(state, me, {"created_by": me}, body)
        record["id"] = max(state.macros, default=0) + 1
        state.macros[record["id"]] = record
        return 200, {"payload": _macro_json(state, record)}


def macro_update(state: DemoState, me: int, q: dict, body: Any, macro_id: str) -> Answer:
    body = body_dict(body)
    with state.lock:
        macro = _macro_of(state, me, macro_id)
        record = _macro_record(state, me, macro, {"visibility": macro["visibility"], **body})
        state.macros[macro["id"]] = record
        return 200, {"payload": _macro_json(state, record)}


def macro_destroy(state: DemoState, me: int, q: dict, body: Any, macro_id: str) -> Answer:
    with state.lock:
        del state.macros[_macro_of(state, me, macro_id)["id"]]
        return 200, EMPTY


def macro_execute(state: DemoState, me: int, q: dict, body: Any, macro_id: str) -> Answer:
    """Chatwoot queues the job and answers at once; the demo runs it before answering (same end state)."""
    ids = body_dict(body).get("conversation_ids")
    with state.lock:
        macro = _macro_of(state, me, macro_id)
        state.record_push("macro", 0, {"macro_id": macro["id"], "conversation_ids": ids})
        for raw in ids if isinstance(ids, list) else []:
            conv = state.conversation(ruby_int(raw, 0))
            if conv is not None and state.can_see(me, conv):
                _perform(state, conv, parse_actions(macro["actions"]), actor=state.agent(me)["name"],
                         marker={"macro_id": macro["id"]}, sender_id=me)
        return 200, EMPTY


# -- running rules ---------------------------------------------------------------------------------------------
def facts_of(state: DemoState, conv: Conversation, message: dict | None) -> ConversationFacts:
    contact = state.contact(conv.contact_id)
    attributes = {"conversation_language": conv.lang, "browser_language": conv.lang if conv.channel == "web_chat"
                  else None, "email": contact.email if contact else None,
                  "phone_number": contact.phone if contact else None}
    return ConversationFacts(
        conversation_id=str(conv.id), status=conv.status, priority=conv.priority, inbox_id=str(conv.inbox_id),
        assignee_id=None if conv.assignee_id is None else str(conv.assignee_id),
        team_id=None if conv.team_id is None else str(conv.team_id), labels=frozenset(conv.labels),
        attributes=attributes, message_type=_MESSAGE_TYPES.get(message["message_type"]) if message else None,
        content=message.get("content") if message else None)


def run_rules(state: DemoState, event: str, conv: Conversation, message: dict | None = None) -> int:
    """Run the active rules of `event` on `conv` (under the state lock); how many ran."""
    if message is not None and (message["message_type"] == ACTIVITY
                                or "automation_rule_id" in (message.get("content_attributes") or {})):
        return 0  # ignore_message_created_event? / performed_by_automation?
    ran = 0
    with state.lock:
        for record in sorted(state.automation_rules.values(), key=lambda r: r["id"]):
            if not record["active"] or record["event_name"] != event:
                continue
            rule = AutomationRule(record["id"], record["name"], event, parse_conditions(record["conditions"]),
                                  parse_actions(record["actions"]))
            if any(c.attribute_key not in CONDITION_OPERATORS for c in rule.conditions):
                continue
            if rule_matches(rule, facts_of(state, conv, message)):
                _perform(state, conv, rule.actions, actor=AUTOMATION_NAME, marker={"automation_rule_id": rule.id})
                ran += 1
    return ran


def _perform(state: DemoState, conv: Conversation, actions: tuple, *, actor: str, marker: dict,
             sender_id: int | None = None) -> None:
    """ActionService: each action on its own, a failing one skipped (the hub logs it and goes on)."""
    for action in actions:
        params = list(action.action_params)
        first = params[0] if params else None
        name = action.action_name
        if name == "assign_team":
            team_id = ruby_int(first, 0)
            if 1 <= team_id <= len(state.world.teams) and team_id != conv.team_id:
                conv.team_id = team_id
                state.activity(conv, f"Assigned to {state.world.teams[team_id - 1]['name']} by {actor}")
        elif name == "assign_agent":
            agent = state.find_agent(ruby_int(first, 0))
            if agent and agent["id"] != conv.assignee_id:
                conv.assignee_id = agent["id"]
                state.activity(conv, f"Assigned to {agent['name']} by {actor}")
        elif name in ("add_label", "remove_label"):
            wanted = {str(p).strip().lower() for p in params if str(p).strip()}
            new = sorted(set(conv.labels) | wanted if name == "add_label" else set(conv.labels) - wanted)
            if new != sorted(conv.labels):
                verb = "added" if name == "add_label" else "removed"
                changed = sorted(set(new) ^ set(conv.labels))
                conv.labels = new
                state.activity(conv, f"{actor} {verb} {', '.join(changed)}")
        elif name == "change_priority":
            priority = None if first in (None, "nil") else str(first)
            if priority in (None, "urgent", "high", "medium", "low") and priority != conv.priority:
                conv.priority = priority
                state.activity(conv, f"{actor} set the priority to {priority}" if priority
                               else f"{actor} removed the priority")
        elif name in ("send_message", "add_private_note") and first:
            state.add_message(conv, content=str(first), message_type=OUTGOING, private=name == "add_private_note",
                              sender_type="agent" if sender_id else None, sender_id=sender_id,
                              content_attributes=marker)
        elif name in _STATUS_ACTIONS or name == "change_status":
            status = str(first) if name == "change_status" else _STATUS_ACTIONS[name]
            if status in ("open", "resolved", "pending", "snoozed") and status != conv.status:
                conv.status = status
                state.activity(conv, f"Conversation was marked {status} by {actor}")
        state.record_push(f"automation:{name}", conv.id, {**marker, "action_params": params})

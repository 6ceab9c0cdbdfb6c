"""Chatwoot automation rules and macros as plain data, their validation and their evaluation over a conversation.

What the hub accepts and how it decides, read from Chatwoot's source: the attribute keys and actions
(AutomationRule#conditions_attributes / #actions_attributes, Macro::ACTIONS_ATTRS), the operators each key allows
(lib/filters/filter_keys.yml), and the matching itself (AutomationRules::ConditionsFilterService, which builds one
SQL WHERE clause): conditions are chained by their ``query_operator`` with SQL's precedence (AND before OR); an
``equal_to`` is ``IN (values)``; ``contains`` is ``LIKE '%first value, lowercased%'`` (so only a lowercased column,
the message content, matches case-insensitively); a missing attribute is SQL NULL, so ``not_equal_to`` and
``does_not_contain`` do not match it either; labels are tested apart (any / none of the values).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

EVENTS = ("conversation_created", "conversation_updated", "conversation_opened", "message_created")

# attribute key -> operators the hub allows for it (filter_keys.yml); only keys a rule may name
CONDITION_OPERATORS: dict[str, tuple[str, ...]] = {
    "status": ("equal_to", "not_equal_to"),
    "assignee_id": ("equal_to", "not_equal_to", "is_present", "is_not_present"),
    "inbox_id": ("equal_to", "not_equal_to", "is_present", "is_not_present"),
    "team_id": ("equal_to", "not_equal_to", "is_present", "is_not_present"),
    "priority": ("equal_to", "not_equal_to"),
    "labels": ("equal_to", "not_equal_to", "is_present", "is_not_present"),
    "browser_language": ("equal_to", "not_equal_to"),
    "conversation_language": ("equal_to", "not_equal_to"),
    "country_code": ("equal_to", "not_equal_to"),
    "referer": ("equal_to", "not_equal_to", "contains", "does_not_contain"),
    "mail_subject": ("equal_to", "not_equal_to", "contains", "does_not_contain"),
    "email": ("equal_to", "not_equal_to", "contains", "does_not_contain"),
    "phone_number": ("equal_to", "not_equal_to", "contains", "does_not_contain", "starts_with"),
    "city": ("equal_to", "not_equal_to", "contains", "does_not_contain"),
    "company": ("equal_to", "not_equal_to", "contains", "does_not_contain"),
    "message_type": ("equal_to", "not_equal_to"),
    "content": ("equal_to", "not_equal_to", "contains", "does_not_contain"),
}
RULE_ACTIONS = ("send_message", "add_label", "remove_label", "send_email_to_team", "assign_team", "assign_agent",
                "send_webhook_event", "mute_conversation", "send_attachment", "change_status",
                "resolve_conversation", "open_conversation", "pending_conversation", "snooze_conversation",
                "change_priority", "send_email_transcript", "add_private_note")
MACRO_ACTIONS = ("send_message", "add_label", "remove_label", "assign_team", "assign_agent", "mute_conversation",
                 "change_status", "change_priority", "resolve_conversation", "snooze_conversation",
                 "send_email_transcript", "send_attachment", "add_private_note")
PRIORITIES = ("urgent", "high", "medium", "low")
# columns the filter compares lowercased (LOWER(messages.processed_message_content)), so `contains` ignores case
_LOWERED = frozenset({"content"})
_STATUS_OF = {"resolve_conversation": "resolved", "open_conversation": "open", "pending_conversation": "pending",
              "snooze_conversation": "snoozed"}


@dataclass(frozen=True, slots=True)
class Condition:
    attribute_key: str
    filter_operator: str
    values: tuple[str, ...]
    query_operator: str | None = None  # how this condition joins the NEXT one: AND | OR | None (the last)

    def wire(self) -> dict[str, Any]:
        return {"attribute_key": self.attribute_key, "filter_operator": self.filter_operator,
                "values": list(self.values), "query_operator": self.query_operator}


@dataclass(frozen=True, slots=True)
class Action:
    action_name: str
    action_params: tuple[Any, ...] = ()

    def wire(self) -> dict[str, Any]:
        return {"action_name": self.action_name, "action_params": list(self.action_params)}


@dataclass(frozen=True, slots=True)
class AutomationRule:
    id: int | None  # None until the hub has it
    name: str
    event_name: str
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    description: str = ""
    active: bool = True
    created_on: int | None = None

    def wire(self) -> dict[str, Any]:
        """The body the hub's create and update take."""
        return {"name": self.name, "description": self.description, "event_name": self.event_name,
                "active": self.active, "conditions": [c.wire() for c in self.conditions],
                "actions": [a.wire() for a in self.actions]}


@dataclass(frozen=True, slots=True)
class Macro:
    id: int | None
    name: str
    actions: tuple[Action, ...]
    visibility: str = "personal"  # personal | global (an agent's macros are always personal)

    def wire(self) -> dict[str, Any]:
        return {"name": self.name, "visibility": self.visibility, "actions": [a.wire() for a in self.actions]}


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """What a rule can see of one conversation at one event (ids are the hub's, as text)."""

    conversation_id: str
    status: str
    priority: str | None = None
    inbox_id: str | None = None
    assignee_id: str | None = None
    team_id: str | None = None
    labels: frozenset[str] = frozenset()
    attributes: Mapping[str, str | None] = field(default_factory=dict)  # language, country_code, email, ...
    message_type: str | None = None  # incoming | outgoing: of the message the event is about
    content: str | None = None  # that message's text


def rule_errors(rule: AutomationRule) -> dict[str, list[str]]:
    """The hub's 422 answer for this rule (AutomationRule's validations, `errors.messages`); empty: accepted."""
    errors: dict[str, list[str]] = {}
    unknown = [c.attribute_key for c in rule.conditions if c.attribute_key not in CONDITION_OPERATORS]
    if unknown:
        errors.setdefault("conditions", []).append(f"Automation conditions {','.join(unknown)} not supported.")
    if sum(1 for c in rule.conditions if c.query_operator is None) > 1:
        errors.setdefault("conditions", []).append("Query operator cannot be empty")
    if any(c.query_operator and c.query_operator.upper() not in ("AND", "OR") for c in rule.conditions):
        errors.setdefault("conditions", []).append('Query operator must be either "AND" or "OR"')
    bad = [a.action_name for a in rule.actions if a.action_name not in RULE_ACTIONS]
    if bad:
        errors.setdefault("actions", []).append(f"Automation actions {','.join(bad)} not supported.")
    return errors


def draft_problems(rule: AutomationRule) -> list[str]:
    """What the app refuses to send although the hub would take it: a rule that cannot do anything useful."""
    problems = []
    if not rule.name.strip():
        problems.append("the rule needs a name")
    if rule.event_name not in EVENTS:
        problems.append(f"unknown event {rule.event_name!r}")
    if not rule.actions:
        problems.append("the rule needs at least one action")
    return problems + operator_problems(rule)


def operator_problems(rule: AutomationRule) -> list[str]:
    """Conditions the hub saves but never runs (ConditionValidationService refuses the rule at event time)."""
    return [f"{c.attribute_key} cannot use {c.filter_operator}" for c in rule.conditions
            if c.attribute_key in CONDITION_OPERATORS and c.filter_operator not in CONDITION_OPERATORS[c.attribute_key]]


def macro_errors(macro: Macro) -> dict[str, list[str]]:
    bad = [a.action_name for a in macro.actions if a.action_name not in MACRO_ACTIONS]
    errors: dict[str, list[str]] = {}
    if not macro.name.strip():
        errors["name"] = ["can't be blank"]
    if bad:
        errors["actions"] = [f"Macro execution actions {','.join(bad)} not supported."]
    return errors


def _value_of(key: str, facts: ConversationFacts) -> str | None:
    if key in ("status", "priority", "inbox_id", "assignee_id", "team_id", "message_type", "content"):
        value: str | None = getattr(facts, key)
        return value
    return facts.attributes.get(key)


def condition_holds(cond: Condition, facts: ConversationFacts) -> bool | None:
    """True, False, or None for SQL's NULL (the attribute is missing and the operator compares it)."""
    op = cond.filter_operator
    if cond.attribute_key == "labels":
        tagged = facts.labels & set(cond.values)
        if op == "equal_to":
            return bool(tagged)
        if op == "not_equal_to":
            return not tagged
        return bool(facts.labels) if op == "is_present" else not facts.labels
    value = _value_of(cond.attribute_key, facts)
    if op == "is_present":
        return value is not None
    if op == "is_not_present":
        return value is None
    if value is None:
        return None
    if cond.attribute_key in _LOWERED:
        value = value.lower()
    if op in ("equal_to", "not_equal_to"):
        wanted = {v.lower() if cond.attribute_key in _LOWERED else str(v) for v in cond.values}
        return (value in wanted) == (op == "equal_to")
    needle = (cond.values[0] if cond.values else "").lower()
    if op == "contains":
        return needle in value
    if op == "does_not_contain":
        return needle not in value
    if op == "starts_with":
        return value.startswith(needle)
    return False  # an operator the hub has no SQL for makes the whole filter fail


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def rule_matches(rule: AutomationRule, facts: ConversationFacts) -> bool:
    """Whether the hub would run the rule's actions for this conversation at the rule's event."""
    return not operator_problems(rule) and conditions_match(rule.conditions, facts)


def conditions_match(conditions: Sequence[Condition], facts: ConversationFacts) -> bool:
    """The conditions' verdict alone (the caller has checked each operator is allowed for its key)."""
    terms: list[bool | None] = []  # OR of AND-chains, as SQL reads `a AND b OR c`
    chain: bool | None = True
    joiner: str | None = None
    for cond in conditions:
        result = condition_holds(cond, facts)
        if cond.attribute_key == "labels" and result is False:
            return False  # the label test runs before the query and ends the evaluation
        if joiner == "OR":
            terms.append(chain)
            chain = result
        else:
            chain = _and(chain, result)
        joiner = (cond.query_operator or "").upper() or None
    terms.append(chain)
    outcome: bool | None = False
    for term in terms:
        outcome = _or(outcome, term)
    return outcome is True


@dataclass(frozen=True, slots=True)
class Effect:
    """One thing an action would do to one conversation, in words, and whether it changes anything."""

    action_name: str
    text: str
    changes: bool


def effects(actions: Sequence[Action], facts: ConversationFacts,
            names: Mapping[str, Mapping[str, str]]) -> list[Effect]:
    """What the actions would do to this conversation; ``names``: kind (team, agent) -> hub id -> name."""
    out: list[Effect] = []
    for action in actions:
        first = str(action.action_params[0]) if action.action_params else ""
        name = action.action_name
        if name == "assign_team":
            team = names.get("team", {}).get(first, f"team {first}")
            out.append(Effect(name, f"team → {team}", facts.team_id != first))
        elif name == "assign_agent":
            agent = names.get("agent", {}).get(first, f"agent {first}")
            out.append(Effect(name, f"assignee → {agent}", facts.assignee_id != first))
        elif name == "change_priority":
            out.append(Effect(name, f"priority → {first}", (facts.priority or "none") != first))
        elif name in ("add_label", "remove_label"):
            labels = [str(p) for p in action.action_params]
            fresh = set(labels) - facts.labels if name == "add_label" else set(labels) & facts.labels
            verb = "label +" if name == "add_label" else "label −"
            out.append(Effect(name, f"{verb} {', '.join(labels)}", bool(fresh)))
        elif name in ("send_message", "add_private_note"):
            what = "reply" if name == "send_message" else "note"
            out.append(Effect(name, f"{what}: {first[:60]}", True))
        elif name in ("resolve_conversation", "open_conversation", "pending_conversation", "snooze_conversation",
                      "change_status"):
            status = first if name == "change_status" else _STATUS_OF[name]
            out.append(Effect(name, f"status → {status}", facts.status != status))
        else:
            out.append(Effect(name, name.replace("_", " "), True))
    return out


def parse_conditions(raw: Iterable[Any]) -> tuple[Condition, ...]:
    """Conditions from the hub's JSON; entries that are not objects are skipped (the hub stores what it got)."""
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        values = item.get("values")
        values = values if isinstance(values, list) else ([] if values is None else [values])
        qop = item.get("query_operator")
        out.append(Condition(str(item.get("attribute_key") or ""), str(item.get("filter_operator") or ""),
                             tuple(str(v) for v in values), str(qop) if qop else None))
    return tuple(out)


def parse_actions(raw: Iterable[Any]) -> tuple[Action, ...]:
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        params = item.get("action_params")
        params = params if isinstance(params, list) else ([] if params is None else [params])
        out.append(Action(str(item.get("action_name") or ""), tuple(params)))
    return tuple(out)

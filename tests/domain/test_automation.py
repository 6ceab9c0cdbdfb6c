"""Automation rule semantics as Chatwoot's ConditionsFilterService applies them: operators, NULLs, AND/OR."""

from __future__ import annotations

from deskapp.domain.automation import (
    Action,
    AutomationRule,
    Condition,
    ConversationFacts,
    Macro,
    condition_holds,
    draft_problems,
    effects,
    macro_errors,
    parse_actions,
    parse_conditions,
    rule_errors,
    rule_matches,
)


def facts(**kw) -> ConversationFacts:
    base = {"conversation_id": "1", "status": "open", "inbox_id": "3", "labels": frozenset({"refund"}),
            "content": "Where is my ORDER #1234?", "message_type": "incoming",
            "attributes": {"conversation_language": "de", "mail_subject": "Refund please"}}
    base.update(kw)
    return ConversationFacts(**base)


TO_RETURNS = (Action("assign_team", (2,)),)


def rule(*conditions: Condition) -> AutomationRule:
    return AutomationRule(None, "r", "conversation_created", tuple(conditions), TO_RETURNS)


def test_equal_to_is_membership_in_the_values():
    assert condition_holds(Condition("inbox_id", "equal_to", ("1", "3")), facts()) is True
    assert condition_holds(Condition("inbox_id", "equal_to", ("1",)), facts()) is False
    assert condition_holds(Condition("inbox_id", "not_equal_to", ("1",)), facts()) is True


def test_a_missing_attribute_is_null_so_not_equal_to_does_not_match_it():
    cond = Condition("team_id", "not_equal_to", ("2",))
    assert condition_holds(cond, facts(team_id=None)) is None
    assert not rule_matches(rule(cond), facts(team_id=None))
    assert condition_holds(Condition("team_id", "is_not_present", ()), facts(team_id=None)) is True
    assert condition_holds(Condition("team_id", "is_present", ()), facts(team_id="2")) is True


def test_content_contains_ignores_case_but_other_text_does_not():
    # LOWER(messages.processed_message_content) LIKE '%order%', but additional_attributes ->> 'mail_subject' as is
    assert condition_holds(Condition("content", "contains", ("Order",)), facts()) is True
    assert condition_holds(Condition("content", "does_not_contain", ("parcel",)), facts()) is True
    assert condition_holds(Condition("mail_subject", "contains", ("Refund",)), facts()) is False
    assert condition_holds(Condition("mail_subject", "contains", ("refund",)), facts()) is False
    assert condition_holds(Condition("mail_subject", "contains", ("please",)), facts()) is True


def test_contains_uses_the_first_value_only():
    assert condition_holds(Condition("content", "contains", ("parcel", "order")), facts()) is False


def test_labels_are_any_of_and_none_of():
    assert condition_holds(Condition("labels", "equal_to", ("refund", "x")), facts()) is True
    assert condition_holds(Condition("labels", "not_equal_to", ("refund",)), facts()) is False
    assert condition_holds(Condition("labels", "is_not_present", ()), facts(labels=frozenset())) is True


def test_and_binds_before_or():
    yes = Condition("inbox_id", "equal_to", ("3",))
    no = Condition("inbox_id", "equal_to", ("9",))
    # no AND yes OR yes -> (no AND yes) OR yes -> true
    assert rule_matches(rule(Condition(**{**_kw(no), "query_operator": "AND"}),
                             Condition(**{**_kw(yes), "query_operator": "OR"}), yes), facts())
    # yes OR no AND no -> yes OR (no AND no) -> true; no OR yes AND no -> false
    assert rule_matches(rule(Condition(**{**_kw(yes), "query_operator": "OR"}),
                             Condition(**{**_kw(no), "query_operator": "AND"}), no), facts())
    assert not rule_matches(rule(Condition(**{**_kw(no), "query_operator": "OR"}),
                                 Condition(**{**_kw(yes), "query_operator": "AND"}), no), facts())


def test_a_false_label_condition_fails_the_rule_even_under_or():
    yes = Condition("inbox_id", "equal_to", ("3",), "OR")
    assert not rule_matches(rule(yes, Condition("labels", "equal_to", ("damaged",))), facts())


def test_a_condition_whose_operator_the_key_does_not_allow_never_runs():
    bad = rule(Condition("status", "contains", ("op",)))
    assert draft_problems(bad) == ["status cannot use contains"]
    assert not rule_matches(bad, facts())


def test_the_hubs_validation_messages():
    wrong = AutomationRule(None, "x", "conversation_created",
                           (Condition("created_at", "equal_to", ("1",)), Condition("status", "equal_to", ("open",))),
                           (Action("fly_to_the_moon"),))
    assert rule_errors(wrong) == {
        "conditions": ["Automation conditions created_at not supported.", "Query operator cannot be empty"],
        "actions": ["Automation actions fly_to_the_moon not supported."]}
    odd = rule(Condition("status", "equal_to", ("open",), "XOR"))
    assert rule_errors(odd) == {"conditions": ['Query operator must be either "AND" or "OR"']}
    assert macro_errors(Macro(None, "m", (Action("assign_team", (1,)), Action("send_webhook_event")))) == {
        "actions": ["Macro execution actions send_webhook_event not supported."]}


def test_effects_say_what_would_change():
    out = effects([Action("assign_team", (2,)), Action("change_priority", ("high",)), Action("add_label", ("refund",))],
                  facts(team_id="2"), {"team": {"2": "Returns & Billing"}})
    assert [(e.text, e.changes) for e in out] == [
        ("team → Returns & Billing", False), ("priority → high", True), ("label + refund", False)]


def test_malformed_json_is_read_leniently():
    conds = parse_conditions([None, "x", {"attribute_key": "status", "filter_operator": "equal_to", "values": "open"}])
    assert conds == (Condition("status", "equal_to", ("open",)),)
    assert parse_actions([{"action_name": "assign_team", "action_params": 5}, 7]) == (Action("assign_team", (5,)),)


def _kw(c: Condition) -> dict:
    return {"attribute_key": c.attribute_key, "filter_operator": c.filter_operator, "values": c.values}

"""The Rules screen's editable rows (pytest-qt, offscreen): choices from the hub's pickers, a picked item read
back as the hub's id, typed text split on commas, values a newer hub sends kept, and rows added and removed."""

from __future__ import annotations

from deskapp.domain.automation import Action, Condition
from deskapp.ui.rule_rows import ActionRow, ConditionRow, RowList, choices_for

PICKERS = {
    "inboxes": [{"id": 1, "name": "Email", "channel_type": "Channel::Email"}, {"id": 2, "name": "Chat"}],
    "teams": [{"id": 4, "name": "Returns"}],
    "agents": [{"id": 12, "name": "Alex Chen"}],
    "labels": ["refund", "vip"],
}
TEMPLATES = [("Refund received", "Hi {{ contact.name }}, your refund request is in.")]


def _nothing(_row) -> None:
    return None


def test_choices_come_from_the_hubs_pickers_and_vocabulary():
    assert choices_for("inbox_id", PICKERS) == [("Email (Email)", "1"), ("Chat ()", "2")]
    assert choices_for("assign_team", PICKERS) == [("Returns", "4")]
    assert choices_for("assignee_id", PICKERS) == [("Alex Chen", "12")]
    assert choices_for("add_label", PICKERS) == [("refund", "refund"), ("vip", "vip")]
    assert choices_for("change_status", PICKERS)[0] == ("open", "open")
    assert choices_for("send_message", PICKERS, TEMPLATES) == TEMPLATES
    assert choices_for("send_message", PICKERS) == []
    assert choices_for("inbox_id", {}) == []  # pickers not fetched yet
    assert choices_for("mail_subject", PICKERS) == []  # free text


def test_a_condition_round_trips_with_picked_ids_and_typed_values(qtbot):
    row = ConditionRow(PICKERS, _nothing)
    qtbot.addWidget(row)
    row.set_condition(Condition("inbox_id", "not_equal_to", ("2",), "or"))
    assert row.value.currentText() == "Chat ()"  # shown by name, read back as the id
    assert row.condition(last=False) == Condition("inbox_id", "not_equal_to", ("2",), "OR")
    assert row.condition(last=True).query_operator is None
    row.set_condition(Condition("labels", "equal_to", ("refund", "late, damaged")))
    assert row.condition(last=True) == Condition("labels", "equal_to", ("refund", "late", "damaged"))
    row.set_condition(Condition("assignee_id", "is_present", ("12",)))
    assert row.condition(last=True).values == ()  # is_present takes no values
    row.set_condition(Condition("mail_subject", "contains", (" ,  , ",)))
    assert row.condition(last=True).values == ()  # only separators: nothing


def test_changing_the_attribute_offers_its_operators_and_clears_the_value(qtbot):
    row = ConditionRow(PICKERS, _nothing)
    qtbot.addWidget(row)
    row.set_condition(Condition("team_id", "equal_to", ("4",)))
    row.attribute.setCurrentIndex(row.attribute.findData("status"))
    assert [row.operator.itemData(i) for i in range(row.operator.count())] == ["equal_to", "not_equal_to"]
    assert row.value.currentText() == ""


def test_an_operator_and_an_action_a_newer_hub_sends_are_kept(qtbot):
    row = ConditionRow(PICKERS, _nothing)
    qtbot.addWidget(row)
    row.set_condition(Condition("status", "starts_with", ("op",)))
    assert row.condition(last=True) == Condition("status", "starts_with", ("op",))
    row.set_condition(Condition("sla_policy_id", "equal_to", ("3",)))  # a key this app does not know
    assert row.condition(last=True) == Condition("sla_policy_id", "equal_to", ("3",))
    action = ActionRow(["add_label", "assign_team"], PICKERS, TEMPLATES, _nothing)
    qtbot.addWidget(action)
    action.set_action(Action("add_sla", ("3",)))
    assert action.action() == Action("add_sla", ("3",))


def test_actions_read_back_as_the_hub_takes_them(qtbot):
    row = ActionRow(["send_message", "assign_team", "assign_agent", "add_label"], PICKERS, TEMPLATES, _nothing)
    qtbot.addWidget(row)
    row.set_action(Action("assign_team", (4,)))
    assert row.param.currentText() == "Returns" and row.action() == Action("assign_team", (4,))
    row.set_action(Action("assign_agent", ("12",)))
    assert row.param.currentText() == "Alex Chen" and row.action() == Action("assign_agent", (12,))
    row.param.setEditText("13, 14")  # typed ids: one agent only, the first
    assert row.action() == Action("assign_agent", (13,))
    row.set_action(Action("assign_agent", ("12", "13")))  # shown as "Alex Chen, 13": the name reads back as 12
    assert row.param.currentText() == "Alex Chen, 13" and row.action() == Action("assign_agent", (12,))
    row.set_action(Action("assign_agent", ("nil",)))
    assert row.action() == Action("assign_agent", ("nil",))
    row.set_action(Action("send_message", ()))
    row.param.setEditText("Refund received")  # a template picked by its title sends its body
    assert row.action() == Action("send_message", (TEMPLATES[0][1],))
    row.param.setEditText("Thanks, a, b")  # a message is one text, commas and all
    assert row.action() == Action("send_message", ("Thanks, a, b",))
    row.set_action(Action("add_label", ("vip", "new")))
    assert row.action() == Action("add_label", ("vip", "new"))


def test_rows_are_added_and_removed_and_each_change_told(qtbot):
    changes = []
    rows = RowList(lambda remove: ConditionRow(PICKERS, remove), "Add a condition", lambda: changes.append(1))
    qtbot.addWidget(rows)
    first, second = rows.add(), rows.add()
    assert rows.rows == [first, second] and len(changes) == 2
    assert rows.layout_.indexOf(rows.add_button) == 2  # the button stays under the rows
    remove = next(b for b in first.findChildren(type(rows.add_button)) if b.text() == "Remove")
    remove.click()
    assert rows.rows == [second] and len(changes) == 3
    rows.clear()
    assert rows.rows == [] and len(changes) == 4
    rows.clear()  # nothing to clear: nothing told
    assert len(changes) == 4

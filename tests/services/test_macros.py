"""Macros queued as outbox items over a real cache and outbox: each action's item in the macro's order, labels
folded as they accumulate, and the macros refused before anything is queued."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskapp.domain.automation import Action, Macro
from deskapp.services.actions import ActionError, ActionService
from deskapp.services.macros import MacroRunner, unqueueable
from deskapp.store.outbox import OutboxStore
from deskapp.store.profile import ProfileStore
from tests.copilot.helpers import add_account, add_conversation, add_customer


@pytest.fixture
def runner(db, tmp_path) -> Iterator[tuple[MacroRunner, OutboxStore, list[int]]]:
    with db.write() as conn:
        add_account(conn, 1)
        add_account(conn, 2, "Kim")
        conn.exec_driver_sql("INSERT INTO agent(account_id, external_id, name) VALUES (1, '12', 'Alex')")
        conn.exec_driver_sql("INSERT INTO team(account_id, external_id, name) VALUES (1, '4', 'Returns')")
        ana = add_customer(conn, "Ana")
        convs = [add_conversation(conn, "31", ana), add_conversation(conn, "32", ana),
                 add_conversation(conn, "90", ana, account_id=2)]
        conn.exec_driver_sql("UPDATE conversation SET labels = '[\"vip\"]' WHERE id = ?", (convs[0],))
    outbox = OutboxStore(tmp_path / "outbox.sqlite3")
    profile = ProfileStore(tmp_path / "profile.sqlite3")
    yield MacroRunner(db, ActionService(db, outbox, profile)), outbox, convs
    outbox.close()
    profile.close()


def test_each_action_is_one_item_in_the_macros_order_with_labels_folded(runner):
    macros, outbox, (first, _second, _other) = runner
    macro = Macro(1, "Refund sent", (
        Action("add_label", ("refund", "billing")), Action("remove_label", ("vip",)),
        Action("send_message", ("Your refund is on its way.",)), Action("add_private_note", ("   ",)),
        Action("assign_agent", ("12",)), Action("assign_team", ("4",)), Action("change_priority", ("nil",)),
        Action("pending_conversation")))
    result = macros.run(macro, [first])
    items = outbox.items(conversation_external_id="31")
    assert [i.client_id for i in items] == list(result.client_ids)
    assert [(str(i.kind), i.payload) for i in items] == [
        ("label", {"labels": ["billing", "refund", "vip"]}),
        ("label", {"labels": ["billing", "refund"]}),  # the second label action starts from the first's
        ("reply", items[2].payload | {"text": "Your refund is on its way."}),
        ("assign", {"assignee_external_id": "12"}),
        ("assign", {"assignee_external_id": "12", "team_external_id": "4"}),  # the team keeps the assignee
        ("priority", {"priority": "none"}),
        ("status", {"status": "pending"}),
    ]  # the blank note is left out
    assert outbox.items(conversation_external_id="32") == []
    assert set(result.changes.conversations) == {first}


def test_many_conversations_each_get_the_macro_and_unassigning_is_nil(runner):
    macros, outbox, (first, second, other) = runner
    macro = Macro(2, "Back to queue", (Action("assign_agent", ("nil",)), Action("open_conversation")))
    result = macros.run(macro, [second, first, 999_999, other], account_id=1)  # another hub's: left out
    assert len(result.client_ids) == 4
    assert [(i.conversation_external_id, str(i.kind)) for i in outbox.items()] == [
        ("32", "assign"), ("32", "status"), ("31", "assign"), ("31", "status")]
    assert outbox.items()[0].payload == {"assignee_external_id": None}


@pytest.mark.parametrize(("actions", "why"), [
    ((Action("add_label", ("spam",)), Action("mute_conversation"), Action("send_transcript")),
     "cannot queue: mute_conversation, send_transcript"),
    ((), "has no actions"),
    ((Action("add_label", ("x",)), Action("assign_agent", ("404",))), "names agent 404"),
    ((Action("assign_team", ("77",)),), "names team 77"),
    ((Action("change_priority", ("sky-high",)),), "priority needs one of"),
])
def test_a_macro_that_cannot_run_whole_queues_nothing(runner, actions, why):
    macros, outbox, (first, _second, _other) = runner
    with pytest.raises(ActionError, match=why):
        macros.run(Macro(3, "Broken", actions), [first])
    assert outbox.items() == []


def test_conversations_not_on_the_macros_hub_are_refused(runner):
    macros, outbox, (_first, _second, other) = runner
    macro = Macro(4, "Close", (Action("resolve_conversation"),))
    with pytest.raises(ActionError, match="none of these conversations"):
        macros.run(macro, [other], account_id=1)
    with pytest.raises(ActionError, match="none of these conversations"):
        macros.run(macro, [999_999])
    assert outbox.items() == []
    assert unqueueable(Macro(5, "Mixed", (Action("resolve_conversation"), Action("mute_conversation")))) == [
        "mute_conversation"]

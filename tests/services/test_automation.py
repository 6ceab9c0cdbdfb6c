"""The automation service over a real SQLite cache synced from the demo hub: rules fetched, saved and refused,
and the preview's counts checked against the hub's own world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.chatwoot_automation import ChatwootAutomation
from deskapp.connectors.http import HttpClient
from deskapp.credentials import SecretStore
from deskapp.demo.server import DemoServer
from deskapp.domain import AccountKind
from deskapp.domain.automation import Action, AutomationRule, Condition, Macro
from deskapp.services.actions import ActionError, ActionService
from deskapp.services.automation import (
    AutomationError,
    AutomationService,
    HubListsSync,
    acknowledgements,
    hub_message,
)
from deskapp.services.macros import MacroRunner
from deskapp.store import automation_rows
from deskapp.store.engine import Database
from deskapp.store.outbox import OutboxStore
from deskapp.store.profile import ProfileStore
from deskapp.sync.engine import SyncEngine
from deskapp.sync.replay import Replayer
from tests.demo.conftest import PINNED_NOW
from tests.services.automation_hub import automation_service, synced_world

DAY = 86400
WHATSAPP_INBOX = "3"  # the seeded world's inbox order: email, web chat, WhatsApp, ...
REFUND_TO_RETURNS = AutomationRule(
    None, "WhatsApp + intent refund → Returns, high", "conversation_created",
    (Condition("inbox_id", "equal_to", (WHATSAPP_INBOX,), "AND"), Condition("labels", "equal_to", ("refund",))),
    (Action("assign_team", (2,)), Action("change_priority", ("high",))))


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Iterator[tuple[DemoServer, Database, int]]:
    """The small demo world synced once into a cache of its own (the tests only read it, or write rules)."""
    yield from synced_world(Path(tmp_path_factory.mktemp("rules")))


def test_the_preview_counts_what_the_hub_holds(synced):
    server, db, account_id = synced
    svc = automation_service(server, db)
    assert svc.refresh(account_id) is True
    preview = svc.preview(account_id, REFUND_TO_RETURNS, now=PINNED_NOW, days=30)
    since = PINNED_NOW - 30 * DAY
    expected = {str(c.id) for c in server.state.conversations
                if c.channel == "whatsapp" and "refund" in c.labels and c.created_at >= since}
    assert len(expected) > 3  # the seeded month has several
    assert {h.external_id for h in preview.hits} == expected
    assert preview.scanned == sum(1 for c in server.state.conversations if c.created_at >= since)
    assert preview.summary.startswith(f"Would have matched {len(expected)} conversations in the last 30 days")
    by_id = {str(c.id): c for c in server.state.conversations}
    for hit in preview.hits:
        conv = by_id[hit.external_id]
        texts = [(e.text, e.changes) for e in hit.effects]
        assert texts == [("team → Returns & Billing", conv.team_id != 2),
                         ("priority → high", conv.priority != "high")]


def test_content_rules_preview_each_incoming_message(synced):
    server, db, account_id = synced
    svc = automation_service(server, db)
    svc.refresh(account_id)
    rule = AutomationRule(None, "order words", "message_created",
                          (Condition("content", "contains", ("ORDER",)),), (Action("add_label", ("order-status",)),))
    preview = svc.preview(account_id, rule, now=PINNED_NOW, days=3)
    since = PINNED_NOW - 3 * DAY
    expected = {str(c.id) for c in server.state.conversations for m in server.state.messages(c)
                if m["message_type"] == 0 and m["created_at"] >= since and "order" in (m["content"] or "").lower()}
    assert {h.external_id for h in preview.hits} == expected
    assert preview.scanned_unit == "messages"


def test_saving_writes_to_the_hub_and_the_cache(synced):
    server, db, account_id = synced
    svc = automation_service(server, db)
    saved = svc.save_rule(account_id, REFUND_TO_RETURNS)
    assert saved.id in server.state.automation_rules
    assert [r.name for r in svc.cached_rules(account_id)] == [REFUND_TO_RETURNS.name]
    svc.set_rule_active(account_id, saved.id, False)
    assert server.state.automation_rules[saved.id]["active"] is False
    assert svc.cached_rules(account_id)[0].active is False
    svc.delete_rule(account_id, saved.id)
    assert svc.cached_rules(account_id) == [] and not server.state.automation_rules


def test_refusals_are_said_in_the_hubs_words_and_change_nothing(synced):
    server, db, account_id = synced
    svc = automation_service(server, db)
    with pytest.raises(AutomationError, match="needs at least one action"):
        svc.save_rule(account_id, AutomationRule(None, "empty", "conversation_created", (), ()))
    with pytest.raises(AutomationError, match="administrators"):
        automation_service(server, db, agent=2).save_rule(account_id, REFUND_TO_RETURNS)
    with pytest.raises(AutomationError, match="the hub refused it: base: not found"):
        svc.set_rule_active(account_id, 404, True)
    assert not server.state.automation_rules


def test_an_agent_refreshes_macros_without_rules(synced):
    server, db, account_id = synced
    svc = automation_service(server, db, agent=2)
    assert svc.refresh(account_id) is False
    assert svc.cached_rules(account_id) == []
    assert {i["name"] for i in svc.pickers(account_id)["inboxes"]} >= {"WhatsApp"}


def test_an_unreachable_hub_is_a_clear_error(synced):
    _server, db, account_id = synced

    def hub(_account_id: int) -> ChatwootAutomation:
        return ChatwootAutomation(HttpClient("http://127.0.0.1:9", {}, max_attempts=1, timeout=(0.5, 0.5)), 3)

    with pytest.raises(AutomationError, match="could not be reached; nothing was changed"):
        AutomationService(db, hub=hub).save_rule(account_id, REFUND_TO_RETURNS)


def test_a_macro_goes_through_the_outbox_exactly_once(synced, tmp_path):
    server, db, account_id = synced
    profile = ProfileStore(tmp_path / "profile.sqlite3")
    outbox = OutboxStore(tmp_path / "outbox.sqlite3")
    actions = ActionService(db, outbox, profile)
    with db.read() as conn:
        local = dict(conn.execute(text(
            "SELECT external_id, id FROM conversation WHERE account_id = :a AND status = 'open'"
            " ORDER BY external_id LIMIT 2"), {"a": account_id}).tuples().all())
    macro = Macro(7, "Refund sent", (Action("add_label", ("refund",)), Action("assign_team", ("2",)),
                                    Action("send_message", ("Your refund is on its way.",)),
                                    Action("change_priority", ("high",)), Action("resolve_conversation")))
    result = MacroRunner(db, actions).run(macro, list(local.values()))
    assert len(result.client_ids) == 2 * 5
    with db.read() as conn:  # the cache shows it at once, before anything was sent
        states = conn.execute(text("SELECT status, priority FROM conversation WHERE id IN (:a, :b)"),
                              {"a": min(local.values()), "b": max(local.values())}).tuples().all()
    assert states == [("resolved", "high")] * 2
    connector = ChatwootConnector(server.url, server.state.account_id, server.state.chatwoot_token)
    replayer = Replayer(db, outbox, hold_s=0, rate=1000, burst=1000)
    first = replayer.replay_account(account_id, connector)
    again = replayer.replay_account(account_id, connector)
    assert first.sent == 10 and again.sent == 0
    for ext in local:
        conv = server.state.conversation(int(ext))
        replies = [m for m in server.state.messages(conv) if m["content"] == "Your refund is on its way."]
        assert len(replies) == 1
        assert (conv.status, conv.priority, conv.team_id, "refund" in conv.labels) == ("resolved", "high", 2, True)
    outbox.close()
    profile.close()


def test_a_macro_with_an_action_the_outbox_cannot_hold_queues_nothing(synced, tmp_path):
    _server, db, _account_id = synced
    outbox = OutboxStore(tmp_path / "outbox.sqlite3")
    profile = ProfileStore(tmp_path / "profile.sqlite3")
    macro = Macro(8, "Mute", (Action("add_label", ("spam",)), Action("mute_conversation")))
    with pytest.raises(ActionError, match="cannot queue: mute_conversation"):
        MacroRunner(db, ActionService(db, outbox, profile)).run(macro, [1])
    assert outbox.items() == []
    outbox.close()
    profile.close()


def test_an_acknowledgement_template_becomes_the_hubs_placeholders():
    assert hub_message("Hi {{ customer.first_name }}, we got it (#{{conversation.id}}).") == \
        "Hi {{contact.first_name}}, we got it (#{{conversation.id}})."
    with pytest.raises(AutomationError, match=r"order\.tracking_url"):
        hub_message("Track it: {{ order.tracking_url }}")
    assert acknowledgements([("ok", "Thanks {{ customer.name }}"), ("no", "{% if x %}y{% endif %}")]) == [
        ("ok", "Thanks {{contact.name}}")]


def test_the_sync_engine_keeps_the_hubs_rules_in_the_cache(synced):
    server, db, account_id = synced
    automation_service(server, db).save_rule(account_id, REFUND_TO_RETURNS)
    with db.write() as conn:  # as if never fetched
        automation_rows.save_hub_list(conn, account_id, "automation_rules", [])
    ticks = iter([0.0, 10.0])
    step = HubListsSync(db, every=900, clock=lambda: next(ticks))

    def as_supervisor(account, _secrets):
        return ChatwootConnector(account.base_url, account.settings["account_id"], "cw-demo-token-1")

    engine = SyncEngine(db, SecretStore("rules-tests"), registry={AccountKind.CHATWOOT: as_supervisor},
                        before_pull=[step])
    cached = AutomationService(db, hub=automation_service(server, db).hub)
    fetches = "GET /api/v1/accounts/{id}/automation_rules"
    before = server.state.requests[fetches]
    engine.sync_account_once(account_id)
    assert [r.name for r in cached.cached_rules(account_id)] == [REFUND_TO_RETURNS.name]
    assert server.state.requests[fetches] == before + 1
    engine.sync_account_once(account_id)  # ten seconds later: not fetched again
    assert server.state.requests[fetches] == before + 1
    server.state.automation_rules.clear()


def test_an_update_rule_is_previewed_on_the_conversations_changed_in_the_window(synced):
    server, db, account_id = synced
    svc = automation_service(server, db)
    svc.refresh(account_id)
    rule = AutomationRule(None, "resolved", "conversation_updated",
                          (Condition("status", "equal_to", ("resolved",)),), (Action("add_label", ("done",)),))
    preview = svc.preview(account_id, rule, now=PINNED_NOW, days=2)
    since = PINNED_NOW - 2 * DAY
    expected = {str(c.id) for c in server.state.conversations if c.status == "resolved" and c.updated_at >= since}
    assert expected and {h.external_id for h in preview.hits} == expected

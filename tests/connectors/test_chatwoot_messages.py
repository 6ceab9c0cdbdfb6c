"""connectors.chatwoot_messages: Chatwoot's message list items (shaped like its _message partial) as Messages —
direction, author kind (agents, contacts, bots numbered apart, automation, campaigns, templates), delivery,
attachments, deleted messages, status notices — and items that cannot be placed are Unmappable."""

from __future__ import annotations

import pytest

from deskapp.connectors.chatwoot_mapping import Unmappable
from deskapp.connectors.chatwoot_messages import message, sender_kind, status_event
from deskapp.domain import AuthorKind, DeliveryState, Direction, StatusEvent
from tests.connectors.chatwoot_payloads import T0, activity, sender_bot, sender_user
from tests.connectors.chatwoot_payloads import message as item


def test_an_incoming_message_from_the_contact():
    got = message(item(5, 1), "1")
    assert (got.external_id, got.conversation_external_id, got.direction, got.delivery) == (
        "5", "1", Direction.IN, DeliveryState.RECEIVED)
    assert got.author_kind is AuthorKind.CONTACT and got.author_external_id == "101" and not got.automated
    assert got.text == "message 5" and got.sent_at.timestamp() == T0 + 5


def test_an_agents_reply_is_human_and_a_bots_is_automated_and_numbered_apart():
    human = message(item(6, 1, mtype=1, sender=sender_user(3)), "1")
    bot = message(item(7, 1, mtype=1, sender=sender_bot(3)), "1")
    assert (human.direction, human.author_kind, human.author_external_id, human.automated) == (
        Direction.OUT, AuthorKind.AGENT, "3", False)
    assert human.author_name == "Ann A."  # available_name first
    assert (bot.author_kind, bot.author_external_id, bot.automated) == (AuthorKind.BOT, "bot:3", True)


@pytest.mark.parametrize("extra", [{"content_attributes": {"automation_rule_id": 4}},
                                   {"additional_attributes": {"campaign_id": 2}}])
def test_automation_rules_and_campaigns_are_the_system(extra):
    got = message(item(8, 1, mtype=1, sender=sender_user(), **extra), "1")
    assert got.author_kind is AuthorKind.SYSTEM and got.automated


def test_a_campaign_conversations_opening_message_is_the_system():
    got = message(item(8, 1, mtype=1, sender=sender_user()), "1", campaign=True)
    assert got.author_kind is AuthorKind.SYSTEM and got.automated


def test_a_template_and_a_private_note():
    template = message(item(9, 1, mtype=3), "1")
    note = message(item(10, 1, mtype=1, private=True, sender=sender_user()), "1")
    assert (template.direction, template.author_kind, template.automated) == (Direction.OUT, AuthorKind.SYSTEM, True)
    assert (note.direction, note.author_kind, note.automated) == (Direction.NOTE, AuthorKind.AGENT, False)


@pytest.mark.parametrize(("content", "event"), [
    ("Conversation was marked resolved by Ann", StatusEvent.RESOLVED),
    ("Conversation was resolved by Customer 1", StatusEvent.RESOLVED),
    ("conversation was marked resolved by system due to 3 days of inactivity", StatusEvent.RESOLVED),
    ("Conversation was reopened by Ann", StatusEvent.REOPENED),
    ("Conversation was marked open by ShopBot", StatusEvent.REOPENED),
    ("System reopened the conversation due to a new incoming message.", StatusEvent.REOPENED),
    ("Conversation was marked as pending by Ann", StatusEvent.REOPENED),
    ("Ann self-assigned this conversation", None),
    ("La conversation a été résolue", None),
    ("Conversation was resolvedness", None),
])
def test_status_notices(content, event):
    assert status_event(content) is event
    got = message(activity(11, 1, content), "1")
    assert got.direction is Direction.ACTIVITY and got.status_event is event


def test_a_status_sentence_in_a_customers_message_is_no_event():
    got = message(item(12, 1, content="Conversation was marked resolved by me?"), "1")
    assert got.status_event is None


@pytest.mark.parametrize(("status", "delivery"), [("sent", DeliveryState.SENT), ("delivered", DeliveryState.DELIVERED),
                                                  ("read", DeliveryState.READ), ("failed", DeliveryState.FAILED),
                                                  ("progress", DeliveryState.SENDING), ("weird", DeliveryState.SENT),
                                                  (None, DeliveryState.SENT)])
def test_delivery_of_our_messages(status, delivery):
    assert message(item(13, 1, mtype=1, status=status), "1").delivery is delivery


def test_a_deleted_message_keeps_no_text_or_attachments():
    got = message(item(14, 1, content="This message was deleted", content_attributes={"deleted": True},
                       attachments=[{"id": 1, "file_type": "image", "data_url": "http://hub/x.png"}]), "1")
    assert got.deleted and got.text == "" and got.html == "" and got.attachments == ()


def test_attachments_with_and_without_names():
    got = message(item(15, 1, attachments=[
        {"id": 1, "file_type": "image", "extension": None, "data_url": "http://hub/blobs/a/photo%201.jpg",
         "file_size": 2048},
        {"id": 2, "file_type": "audio", "data_url": "", "file_url": ""},
        "not an attachment"]), "1")
    first, second = got.attachments
    assert (first.filename, first.content_type, first.size) == ("photo 1.jpg", "image/jpeg", 2048)
    assert (second.filename, second.content_type, second.url) == ("attachment-2", "audio/*", "")
    oldest = message(item(16, 1, attachment={"id": 9, "file_type": "file", "data_url": "http://hub/f.pdf"}), "1")
    assert [a.content_type for a in oldest.attachments] == ["application/pdf"]


def test_email_html_and_our_client_id():
    got = message(item(17, 1, mtype=1, content_attributes={
        "email": {"html_content": {"full": "<p>Hi</p>"}}, "deskapp_client_id": "c-1"}), "1")
    assert got.html == "<p>Hi</p>" and got.client_id == "c-1"


def test_message_type_by_name_and_an_unknown_one_is_an_activity():
    assert message(item(18, 1, mtype="outgoing"), "1").direction is Direction.OUT
    assert message(item(19, 1, mtype=True, sender=None), "1").direction is Direction.ACTIVITY
    assert message(item(20, 1, mtype=9, sender=None), "1").direction is Direction.ACTIVITY


def test_created_at_falls_back_to_updated_at():
    got = message(item(21, 1, created_at=None, updated_at=T0 + 99), "1")
    assert got.sent_at.timestamp() == T0 + 99


@pytest.mark.parametrize("payload", [None, [], "x", {"content": "no id"}, {"id": None}, {"id": True}])
def test_an_item_without_an_id_is_unmappable(payload):
    with pytest.raises(Unmappable):
        message(payload, "1")


def test_an_item_without_a_time_is_unmappable():
    with pytest.raises(Unmappable, match="without created_at"):
        message(item(22, 1, created_at="garbage"), "1")


def test_sender_kind_from_a_push_event_and_unknown_kinds():
    assert sender_kind({"sender_type": "AgentBot", "sender_id": 4}) == (AuthorKind.BOT, "bot:4", "")
    assert sender_kind({"sender_type": "Captain::Assistant", "sender_id": 1})[0] is AuthorKind.BOT
    assert sender_kind({"sender": {"type": "alien", "id": 1, "name": "X"}}) == (AuthorKind.UNKNOWN, "1", "X")
    assert sender_kind({}) == (AuthorKind.UNKNOWN, None, "")
    assert sender_kind({"sender": "not an object"}) == (AuthorKind.UNKNOWN, None, "")

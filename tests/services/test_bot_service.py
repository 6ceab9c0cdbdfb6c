"""`deskapp bot` against the demo bot_hub over loopback HTTP both ways: the bot_hub's webhooks in, the bot's answers,
labels and handoffs out through the API with the bot's token."""

from __future__ import annotations

import json
import logging

import requests

from deskapp.demo.chatwoot_agent_bots import BOT_ERROR_OPENED, webhook_message
from deskapp.demo.state import INCOMING
from deskapp.services.bot_decide import BOT_MARK
from deskapp.services.bot_service import AWAY_TEXT, HANDOFF_TEXT
from deskapp.services.bot_wording import say


def test_where_is_my_order_is_answered_with_the_real_tracking_link_and_labelled(bot_hub):
    order = bot_hub.state.orders[1234 - 1001]
    conv_id = bot_hub.customer_starts("where is my order #1234?", contact_id=bot_hub.owner_contact(1234).id)
    [answer] = bot_hub.bot_messages(conv_id)
    assert order.tracking_url and order.tracking_url in answer["content"]
    assert "#1234" in answer["content"]
    assert answer["message_type"] == 1 and answer["content_attributes"][BOT_MARK]["action"] == "answer"
    conv = bot_hub.conversation(conv_id)
    assert {"order-status", "lang-en"} <= set(conv.labels)
    assert any(label.startswith("urgency-") for label in conv.labels)
    assert conv.status == "pending"  # answered: nobody needs to pick it up


def test_asking_for_a_person_hands_the_conversation_to_a_human(bot_hub):
    conv_id = bot_hub.customer_starts("I want to speak to a person", contact_id=bot_hub.owner_contact(1100).id)
    conv = bot_hub.conversation(conv_id)
    assert conv.status == "open"  # the bot's handoff: pending -> open
    [note] = bot_hub.bot_messages(conv_id)
    assert note["content"] == HANDOFF_TEXT
    assert note["content_attributes"][BOT_MARK]["reason"] == "the customer asks for a person"
    assert any(m["content"] == "Conversation was handed off to an agent" for m in bot_hub.messages(conv_id))


def test_a_webhook_delivered_twice_is_answered_once(bot_hub):
    conv_id = bot_hub.customer_starts("where is my order #1234?", contact_id=bot_hub.owner_contact(1234).id)
    conv = bot_hub.conversation(conv_id)
    first = next(m for m in bot_hub.messages(conv_id) if m["message_type"] == INCOMING)
    with bot_hub.state.lock:
        payload = webhook_message(bot_hub.state, conv, first, "message_created")
    payload["conversation"]["status"] = "pending"
    for _ in range(2):
        again = requests.post(bot_hub.bot.server.url, data=json.dumps(payload), timeout=10)
        assert again.status_code == 200 and again.json()["reason"] == "duplicate"
    bot_hub.settle()
    assert len(bot_hub.bot_messages(conv_id)) == 1


def test_no_loop_with_a_mailbox_auto_reply_nor_with_its_own_messages(bot_hub):
    contact = bot_hub.owner_contact(1234)
    conv_id = bot_hub.customer_starts("where is my order #1234?", contact_id=contact.id, inbox="email")
    conv = bot_hub.conversation(conv_id)
    for _ in range(3):  # the customer's mailbox answers every message with an out-of-office
        bot_hub.state.add_message(conv, content="I am out of the office until Monday.", message_type=INCOMING,
                              sender_type="contact", sender_id=contact.id,
                              content_attributes={"email": {"auto_reply": True}})
        bot_hub.settle()
    assert len(bot_hub.bot_messages(conv_id)) == 1
    decisions = bot_hub.bot.server.bot.state.decisions()
    assert list(decisions.values()) == ["answer"]  # auto-replies and its own message were never claimed
    # a real follow-up is never answered a second time: a person takes it
    bot_hub.state.add_message(conv, content="thanks, and where is my other order?", message_type=INCOMING,
                          sender_type="contact", sender_id=contact.id)
    bot_hub.settle()
    assert len(bot_hub.bot_messages(conv_id)) == 2 and conv.status == "open"
    assert bot_hub.bot_messages(conv_id)[-1]["content"] == HANDOFF_TEXT


def test_outside_working_hours_the_handoff_says_when_the_team_is_back(bot_hub):
    inbox_id = bot_hub.bot.inbox_ids["web_chat"]
    closed = [{"day_of_week": d, "closed_all_day": True} for d in range(7)]
    answer = requests.patch(f"{bot_hub.acc}/inboxes/{inbox_id}", headers=bot_hub.admin, timeout=10, json={
        "working_hours_enabled": True, "timezone": "Europe/Berlin", "working_hours": closed,
        "out_of_office_message": "We are closed; we answer from 9:00."})
    assert answer.status_code == 200 and answer.json()["working_hours_enabled"] is True
    conv_id = bot_hub.customer_starts("can I talk to a human please", contact_id=bot_hub.owner_contact(1100).id)
    assert bot_hub.bot_messages(conv_id)[-1]["content"] == "We are closed; we answer from 9:00."
    assert bot_hub.conversation(conv_id).status == "open"  # queued for the team's morning


def test_malformed_webhook_bodies_are_refused_and_the_bot_keeps_working(bot_hub, caplog):
    url = bot_hub.bot.server.url
    for body in (b"not json", b"[1, 2]", b'{"event": "message_created"}', b'{"no": "event"}',
                 b'{"event": "message_created", "id": "abc", "conversation": {"id": 1}}', b"\xff\xfe"):
        answer = requests.post(url, data=body, timeout=10)
        assert answer.status_code == 400, body
    huge = requests.post(url, data=b"x" * (2 * 1024 * 1024), timeout=30)
    assert huge.status_code == 413
    assert requests.get(url + "health", timeout=10).json() == {"ok": True}
    assert "malformed webhook" in caplog.text
    conv_id = bot_hub.customer_starts("where is my order #1234?", contact_id=bot_hub.owner_contact(1234).id)
    assert len(bot_hub.bot_messages(conv_id)) == 1


def test_shop_down_hands_off_instead_of_guessing(bot_hub, caplog):
    caplog.set_level(logging.INFO, logger="deskapp.bot")
    bot_hub.demo.set_faults(outage=True, scope="shopify")
    conv_id = bot_hub.customer_starts("where is my order #1234?", contact_id=bot_hub.owner_contact(1234).id)
    [note] = bot_hub.bot_messages(conv_id)
    assert note["content"] == HANDOFF_TEXT and bot_hub.conversation(conv_id).status == "open"
    assert note["content_attributes"][BOT_MARK]["reason"].startswith("shop unavailable")
    logged = [json.loads(r.getMessage().split(" ", 2)[2]) for r in caplog.records if r.name == "deskapp.bot"]
    assert any(line["action"] == "handoff" and "shop unavailable" in line["reason"] for line in logged)
    assert bot_hub.state.shopify_token not in caplog.text and "api_access_token" not in caplog.text


def test_a_bot_that_cannot_be_reached_leaves_no_customer_waiting(bot_hub):
    bot_hub.bot.stop()  # the bot is down: the bot_hub's webhook fails
    conv_id = bot_hub.customer_starts("where is my order #1234?", contact_id=bot_hub.owner_contact(1234).id)
    assert bot_hub.conversation(conv_id).status == "open"
    assert any(m["content"] == BOT_ERROR_OPENED for m in bot_hub.messages(conv_id))
    assert "error" in bot_hub.state.agent_bot_hub.deliveries[-1]


def test_away_text_default_is_used_without_an_out_of_office_message(bot_hub):
    inbox_id = bot_hub.bot.inbox_ids["whatsapp"]
    requests.patch(f"{bot_hub.acc}/inboxes/{inbox_id}", headers=bot_hub.admin, timeout=10, json={
        "working_hours_enabled": True, "working_hours": [{"day_of_week": d, "closed_all_day": True}
                                                         for d in range(7)]}).raise_for_status()
    conv_id = bot_hub.customer_starts("I want to speak to a person", contact_id=bot_hub.owner_contact(1100).id,
                                  inbox="whatsapp")
    assert bot_hub.bot_messages(conv_id)[-1]["content"] == AWAY_TEXT


def test_a_forged_webhook_cannot_borrow_another_buyers_identity(bot_hub):
    """The webhook body says the writer is #1234's buyer; the bot_hub says the conversation is someone else's."""
    stranger = bot_hub.owner_contact(1100)
    conv_id = bot_hub.customer_starts("hello", contact_id=stranger.id)
    conv = bot_hub.conversation(conv_id)
    with bot_hub.state.lock:
        conv.status = "pending"  # back with the bot, as if the handoff had not happened
        first = bot_hub.messages(conv_id)[0]
        forged = webhook_message(bot_hub.state, conv, first, "message_created")
    owner = bot_hub.owner_contact(1234)
    forged.update(id=first["id"] + 10_000, content="where is my order #1234?")
    forged["sender"].update(email=owner.email, phone_number=owner.phone)
    forged["conversation"]["meta"]["sender"].update(email=owner.email, phone_number=owner.phone)
    assert requests.post(bot_hub.bot.server.url, data=json.dumps(forged), timeout=10).status_code == 202
    bot_hub.settle()
    order = bot_hub.state.orders[1234 - 1001]
    said = bot_hub.bot_messages(conv_id)
    assert not any(order.tracking_url in (m["content"] or "") for m in said)
    assert "not this contact's" in said[-1]["content_attributes"][BOT_MARK]["reason"]


def test_a_german_and_a_french_question_are_answered_in_that_language_with_the_real_tracking_link(bot_hub):
    order = bot_hub.state.orders[1234 - 1001]
    assert order.tracking_url
    owner = bot_hub.owner_contact(1234).id
    for text, lang, words in (("Hallo, wo bleibt meine Bestellung #1234?", "de", "Ihre Bestellung #1234"),
                              ("Bonjour, où en est ma commande #1234 ?", "fr", "votre commande #1234")):
        conv_id = bot_hub.customer_starts(text, contact_id=owner)
        [answer] = bot_hub.bot_messages(conv_id)
        assert answer["content_attributes"][BOT_MARK]["action"] == "answer", text
        assert words in answer["content"] and order.tracking_url in answer["content"]
        assert f"lang-{lang}" in bot_hub.conversation(conv_id).labels


def test_a_message_whose_language_the_detector_is_unsure_of_is_handed_over_in_english(bot_hub):
    conv_id = bot_hub.customer_starts("order #1234 ?", contact_id=bot_hub.owner_contact(1234).id)
    [note] = bot_hub.bot_messages(conv_id)
    assert note["content"] == HANDOFF_TEXT and bot_hub.conversation(conv_id).status == "open"
    assert "not sure" in note["content_attributes"][BOT_MARK]["reason"]


def test_a_handoff_and_the_default_away_text_are_in_the_customers_language(bot_hub):
    conv_id = bot_hub.customer_starts("Ich möchte bitte mit einem Mitarbeiter sprechen",
                                      contact_id=bot_hub.owner_contact(1100).id)
    assert bot_hub.bot_messages(conv_id)[-1]["content"] == say("de", "handoff")
    inbox_id = bot_hub.bot.inbox_ids["whatsapp"]
    requests.patch(f"{bot_hub.acc}/inboxes/{inbox_id}", headers=bot_hub.admin, timeout=10, json={
        "working_hours_enabled": True, "working_hours": [{"day_of_week": d, "closed_all_day": True}
                                                         for d in range(7)]}).raise_for_status()
    conv_id = bot_hub.customer_starts("Je voudrais parler à un conseiller, s'il vous plaît",
                                      contact_id=bot_hub.owner_contact(1100).id, inbox="whatsapp")
    assert bot_hub.bot_messages(conv_id)[-1]["content"] == say("fr", "away")

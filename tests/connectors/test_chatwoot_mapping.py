"""connectors.chatwoot_mapping: Chatwoot's inboxes, agents, profile, teams, canned responses, contacts,
conversations and CSAT responses (shaped like its jbuilder views) as domain records; unknown enum values fall
back with one log line, and a record that cannot be placed is Unmappable, never a crash."""

from __future__ import annotations

import pytest

from deskapp.connectors import chatwoot_mapping as cw
from deskapp.domain import Channel, IdentityKind, Priority, Status
from tests.connectors.chatwoot_payloads import T0, contact, conversation

INBOXES = {"1": (Channel.WEB_CHAT, "Website"), "2": (Channel.EMAIL, "Support mail")}


@pytest.mark.parametrize(("inbox", "channel"), [
    ({"channel_type": "Channel::WebWidget"}, Channel.WEB_CHAT), ({"channel_type": "Channel::Email"}, Channel.EMAIL),
    ({"channel_type": "Channel::TwilioSms", "medium": "whatsapp"}, Channel.WHATSAPP),
    ({"channel_type": "Channel::TwilioSms", "medium": "sms"}, Channel.SMS),
    ({"channel_type": "Channel::FacebookPage"}, Channel.MESSENGER), ({"channel_type": "Channel::Line"}, Channel.OTHER),
    ({}, Channel.OTHER), ({"channel_type": None}, Channel.OTHER)])
def test_channel_of_inbox(inbox, channel):
    assert cw.channel_of_inbox(inbox) is channel


def test_agents_and_the_signed_in_profile():
    ann = cw.agent({"id": 3, "name": "Ann", "available_name": "Ann A.", "email": "ann@shop.example",
                    "role": "administrator"}, my_id="3")
    assert (ann.external_id, ann.name, ann.role, ann.is_me) == ("3", "Ann A.", "administrator", True)
    odd = cw.agent({"id": 4, "email": "bo@shop.example", "role": "owner"}, my_id="3")
    assert (odd.name, odd.role, odd.is_me) == ("bo@shop.example", "agent", False)
    me = cw.profile({"id": 3, "name": "Ann", "role": "agent",
                     "accounts": [{"id": 1, "role": "agent"}, {"id": 7, "role": "administrator"}, "junk"]}, "7")
    assert (me.role, me.is_me) == ("administrator", True)
    assert cw.profile({"id": 3, "name": "Ann"}, "7").role == "agent"


def test_teams_and_canned_responses():
    assert cw.team({"id": 5, "name": "Tier 1"}).name == "Tier 1"
    canned = cw.template({"id": 9, "short_code": "ship", "content": "It shipped."})
    assert (canned.name, canned.shortcut, canned.body, canned.external_id) == ("ship", "ship", "It shipped.", "9")
    assert cw.template({"id": 10, "content": "x"}).name == "canned-10"


def test_a_contact_with_every_identity():
    got = cw.contact(contact(3, identifier="shop-customer-3",
                             additional_attributes={"social_profiles": {"instagram": " zoe.ig ", "twitter": ""}}))
    kinds = [(str(i.kind), i.value) for i in got.identities]
    assert ("email", "customer3@example.com") in kinds and ("handle", "instagram:zoe.ig") in kinds
    assert ("external", "shop-customer-3") in kinds and any(k == "phone" for k, _ in kinds)
    assert got.name == "Customer 3" and got.updated_at is None  # contacts carry no updated_at


def test_a_contact_without_name_is_named_after_what_it_has():
    assert cw.contact({"id": 4, "email": "x@example.com"}).name == "x@example.com"
    assert cw.contact({"id": 5}).name == "Contact 5"
    assert cw.contact({"id": 6, "email": "not an address", "phone_number": "call me"}).identities == ()


@pytest.mark.parametrize("profiles", [["instagram", "zoe"], "zoe", 7, None])
def test_social_profiles_of_the_wrong_shape_are_ignored_not_the_contact(profiles):
    got = cw.contact({"id": 7, "email": "z@example.com", "additional_attributes": {"social_profiles": profiles}})
    assert [i.kind for i in got.identities] == [IdentityKind.EMAIL]


def test_a_conversation_list_item():
    got = cw.conversation(conversation(12, inbox_id=2, first_reply=T0 + 30, priority="high",
                                       additional_attributes={"mail_subject": "Order #1042"}), INBOXES)
    assert (got.external_id, got.channel, got.status, got.priority) == ("12", Channel.EMAIL, Status.OPEN,
                                                                         Priority.HIGH)
    assert got.contact_external_id == "112" and got.assignee_external_id == "3" and got.labels == ("delivery",)
    assert got.subject == "Order #1042" and got.first_response_at.timestamp() == T0 + 30
    assert got.created_at.timestamp() == T0 + 12 and got.updated_at.timestamp() == T0 + 12 + 50.5
    assert got.unread == 1 and got.resolved_at is None


def test_no_first_reply_yet_is_none_not_1970():
    assert cw.conversation(conversation(1, first_reply=0), INBOXES).first_response_at is None


def test_an_inbox_created_since_is_read_from_the_lists_channel():
    got = cw.conversation(conversation(1, inbox_id=99), INBOXES)
    assert got.channel is Channel.WEB_CHAT and got.inbox_name == ""
    bare = conversation(1, inbox_id=99)
    bare["meta"] = "not an object"
    assert cw.conversation(bare, INBOXES).channel is Channel.OTHER


def test_unknown_status_and_priority_fall_back():
    got = cw.conversation(conversation(1, status="archived", priority="critical"), INBOXES)
    assert got.status is Status.OPEN and got.priority is Priority.NONE


def test_snoozed_until_only_while_snoozed():
    assert cw.conversation(conversation(1, status="snoozed", snoozed_until=T0 + 3600), INBOXES).snoozed_until
    assert cw.conversation(conversation(1, status="open", snoozed_until=T0 + 3600), INBOXES).snoozed_until is None


def test_a_bot_assignee_is_not_an_agent():
    item = conversation(1)
    item["meta"]["assignee_type"] = "AgentBot"
    assert cw.conversation(item, INBOXES).assignee_external_id is None


def test_a_conversation_without_any_time_is_unmappable():
    with pytest.raises(cw.Unmappable, match="without created_at"):
        cw.conversation(conversation(1, created_at=None, timestamp=None), INBOXES)


@pytest.mark.parametrize("mapper", [cw.team, cw.template, cw.contact, lambda p: cw.agent(p, my_id=None),
                                    lambda p: cw.conversation(p, INBOXES), cw.survey])
@pytest.mark.parametrize("payload", [None, [], "3", {"name": "no id"}, {"id": ""}])
def test_a_record_without_an_id_is_unmappable(mapper, payload):
    with pytest.raises(cw.Unmappable):
        mapper(payload)


def test_the_embedded_sender_contact():
    assert cw.sender_contact(conversation(1)).external_id == "101"
    assert cw.sender_contact({"sender": {"type": "contact", "id": 5, "name": "Kim"}}).name == "Kim"
    assert cw.sender_contact({"sender": {"type": "user", "id": 3}}) is None
    assert cw.sender_contact({"meta": {"sender": {"name": "no id"}}}) is None
    assert cw.sender_contact({}) is None


def test_csat_responses_in_range_only():
    got = cw.survey({"id": 1, "rating": 5, "feedback_message": "Great", "conversation_id": 12, "created_at": T0})
    assert (got.score, got.comment, got.conversation_external_id) == (5, "Great", "12")
    for rating in (0, 6, None, "five"):
        with pytest.raises(cw.Unmappable, match=r"outside 1\.\.5"):
            cw.survey({"id": 1, "rating": rating, "created_at": T0})
    with pytest.raises(cw.Unmappable, match="without created_at"):
        cw.survey({"id": 1, "rating": 3})

"""Wire mappers never crash on odd payloads: any shape of the known fields maps or is Unmappable."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from deskapp.connectors import chatwoot_mapping as cw
from deskapp.connectors import chatwoot_messages as cm
from deskapp.connectors import shopify_mapping as sm
from deskapp.domain import Channel, Contact, Conversation, Message, Order, SurveyResponse

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=True),
                    st.text(max_size=20),
                    st.sampled_from(["2025-01-01T00:00:00Z", "1760000000", "open", "+4915112345"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


def payload(keys: list[str]) -> st.SearchStrategy:
    return st.one_of(values, st.dictionaries(st.sampled_from(keys), values, max_size=len(keys)))


CONVERSATION_KEYS = ["id", "status", "priority", "inbox_id", "created_at", "updated_at", "timestamp", "labels",
                     "last_activity_at", "meta", "snoozed_until", "unread_count", "additional_attributes",
                     "first_reply_created_at", "last_non_activity_message", "resolved_at", "assignee_id"]
MESSAGE_KEYS = ["id", "message_type", "private", "content", "created_at", "status", "sender_type", "sender",
                "sender_id", "content_attributes", "attachments", "attachment", "conversation_id",
                "additional_attributes"]
CONTACT_KEYS = ["id", "name", "email", "phone_number", "identifier", "additional_attributes", "created_at",
                "last_activity_at"]
ORDER_KEYS = ["id", "name", "createdAt", "updatedAt", "processedAt", "cancelledAt", "email", "phone", "customer",
              "totalPriceSet", "currencyCode", "displayFinancialStatus", "displayFulfillmentStatus", "lineItems",
              "fulfillments"]


def maps_or_refuses(mapper, data, kind) -> None:
    try:
        record = mapper(data)
    except (cw.Unmappable, sm.Unmappable):
        return
    assert isinstance(record, kind)


@settings(max_examples=300, deadline=None)
@given(payload(CONVERSATION_KEYS))
def test_conversations(data):
    maps_or_refuses(lambda d: cw.conversation(d, {"1": (Channel.EMAIL, "Mail")}), data, Conversation)


@settings(max_examples=300, deadline=None)
@given(payload(MESSAGE_KEYS))
def test_messages(data):
    maps_or_refuses(lambda d: cm.message(d, "1"), data, Message)
    maps_or_refuses(lambda d: cm.message(d, "1", campaign=True), data, Message)


@settings(max_examples=200, deadline=None)
@given(payload(CONTACT_KEYS), payload(["id", "rating", "created_at", "conversation_id", "feedback_message"]))
def test_contacts_and_surveys(contact, survey):
    maps_or_refuses(cw.contact, contact, Contact)
    assert cw.sender_contact({"meta": {"sender": contact}}) is None or isinstance(
        cw.sender_contact({"meta": {"sender": contact}}), Contact)
    maps_or_refuses(cw.survey, survey, SurveyResponse)


@settings(max_examples=300, deadline=None)
@given(payload(ORDER_KEYS))
def test_orders(data):
    maps_or_refuses(sm.order, data, Order)
    maps_or_refuses(sm.customer, data, Contact)

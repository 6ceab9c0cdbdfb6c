"""ChatwootConnector pulls against a scripted loopback Chatwoot: paging, cursors, mapping and bad input."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from deskapp.connectors.base import AuthError, PayloadError
from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.domain import (
    Agent,
    AuthorKind,
    Channel,
    Contact,
    Conversation,
    Direction,
    IdentityKind,
    Message,
    Status,
    StatusEvent,
    Template,
)
from tests.connectors import chatwoot_payloads as cp
from tests.connectors.scripted_server import Reply

INBOXES = {"payload": [
    {"id": 1, "name": "Chat", "channel_type": "Channel::WebWidget"},
    {"id": 2, "name": "WA", "channel_type": "Channel::Whatsapp"},
    {"id": 3, "name": "Mail", "channel_type": "Channel::Email"},
    {"id": 4, "name": "FB", "channel_type": "Channel::FacebookPage"},
    {"id": 5, "name": "IG", "channel_type": "Channel::Instagram"},
    {"id": 6, "name": "TG", "channel_type": "Channel::Telegram"},
    {"id": 7, "name": "SMS", "channel_type": "Channel::Sms"},
    {"id": 8, "name": "Twilio", "channel_type": "Channel::TwilioSms", "medium": "sms"},
    {"id": 9, "name": "Twilio WA", "channel_type": "Channel::TwilioSms", "medium": "whatsapp"},
    {"id": 10, "name": "API", "channel_type": "Channel::Api"},
    {"id": 11, "name": "Voice", "channel_type": "Channel::Voice"},
    {"name": "no id"},
]}
PROFILE = {"id": 3, "name": "Ann", "available_name": "Ann A.", "email": "ann@shop.test", "role": "agent",
           "accounts": [{"id": 1, "role": "agent"}, {"id": cp.ACCOUNT, "role": "administrator"}]}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(cp.T0 + 10_000)


@pytest.fixture
def connector(server, make_http, clock):
    server.script("GET", f"{cp.PREFIX}/inboxes", Reply(200, INBOXES))
    server.script("GET", "/api/v1/profile", Reply(200, PROFILE))
    return ChatwootConnector(server.url, cp.ACCOUNT, "tok", http=make_http({"api_access_token": "tok"}),
                             clock=clock)


def messages_of(batch) -> list[Message]:
    return [m for m in batch.items if isinstance(m, Message)]


def drain(conn: ChatwootConnector, stream: str, cursor: str | None = None, limit: int = 50):
    items, batches = [], 0
    while True:
        batch = conn.pull(stream, cursor)
        items += batch.items
        cursor, batches = batch.next_cursor, batches + 1
        if batch.done or batches >= limit:
            return items, cursor, batches


def test_streams_in_agreed_order(connector):
    assert connector.streams() == ["profile", "agents", "teams", "inboxes", "canned_responses", "conversations",
                                   "contacts", "csat"]


def test_profile_takes_the_role_on_this_account(connector):
    batch = connector.pull("profile", None)
    assert batch.done and batch.items == [Agent("3", "Ann A.", "ann@shop.test", "administrator", True)]


def test_agents_mark_me_and_tolerate_bad_records(server, connector):
    server.script("GET", f"{cp.PREFIX}/agents", Reply(200, [
        {"id": 3, "name": "Ann", "email": "ann@shop.test", "role": "administrator", "extra": {"x": 1}},
        {"id": 4, "name": "Bob", "role": "supervisor-ish"},
        {"name": "no id"}, "not even an object"]))
    agents = connector.pull("agents", None).items
    assert [(a.external_id, a.is_me, a.role) for a in agents] == [("3", True, "administrator"),
                                                                   ("4", False, "agent")]


def test_teams_and_canned_responses(server, connector):
    server.script("GET", f"{cp.PREFIX}/teams", Reply(200, [{"id": 1, "name": "Tier 1", "is_member": True}]))
    server.script("GET", f"{cp.PREFIX}/canned_responses", Reply(200, [
        {"id": 9, "short_code": "wismo", "content": "Hi {{contact.name}}, your order is on its way."},
        {"id": 10, "content": None}]))
    assert [t.name for t in connector.pull("teams", None).items] == ["Tier 1"]
    templates = connector.pull("canned_responses", None).items
    assert templates[0] == Template("wismo", "Hi {{contact.name}}, your order is on its way.", "wismo",
                                    external_id="9")
    assert templates[1].body == "" and templates[1].name == "canned-10"


def test_inbox_channel_types_map_to_channels(server, connector):
    assert connector.pull("inboxes", None).items == []
    convs = [cp.conversation(i, inbox_id=i) for i in range(1, 13)]
    convs[11]["meta"]["channel"] = "Channel::Telegram"  # inbox 12 is unknown: the list's meta says
    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler([convs], cp.conversation_page))
    items, _, _ = drain(connector, "conversations")
    channels = [c.channel for c in items if isinstance(c, Conversation)]
    assert channels == [Channel.WEB_CHAT, Channel.WHATSAPP, Channel.EMAIL, Channel.MESSENGER, Channel.INSTAGRAM,
                        Channel.TELEGRAM, Channel.SMS, Channel.SMS, Channel.WHATSAPP, Channel.API, Channel.OTHER,
                        Channel.TELEGRAM]


def test_conversations_full_paging_then_updated_within(server, connector, clock):
    pages = [[cp.conversation(i) for i in range(1, 26)], [cp.conversation(i) for i in range(26, 51)],
             [cp.conversation(i) for i in range(51, 56)]]
    server.script("GET", f"{cp.PREFIX}/conversations",
                  cp.pages_handler(pages, lambda p: cp.conversation_page(p, total=55)))
    items, cursor, batches = drain(connector, "conversations")
    convs = [c for c in items if isinstance(c, Conversation)]
    assert [c.external_id for c in convs] == [str(i) for i in range(1, 56)] and batches == 3
    first = server.requests_to(f"{cp.PREFIX}/conversations")[0]
    assert first.arg("status") == "all" and first.arg("assignee_type") == "all"
    assert first.arg("sort_by") == "last_activity_at_desc" and first.arg("updated_within") is None
    assert json.loads(cursor) == {"since": clock.now, "size": 25, "full_at": clock.now}
    # the sender of each conversation comes in the same batch, before it, as a Contact
    assert isinstance(items[0], Contact) and items[0].external_id == "101"

    clock.now += 300
    server.seen.clear()
    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler(
        [[cp.conversation(7, status="resolved")]], cp.conversation_page))
    items, cursor2, _ = drain(connector, "conversations", cursor)
    asked = server.requests_to(f"{cp.PREFIX}/conversations")[0]
    assert int(asked.arg("updated_within")) == 300 + 120 and asked.arg("status") == "all"
    resolved = next(c for c in items if isinstance(c, Conversation))
    # no resolved_at on the wire, and updated_at moves with every later message: the moment comes from the
    # resolution notice among the messages (store.ingest), never from updated_at
    assert resolved.status is Status.RESOLVED and resolved.resolved_at is None
    assert json.loads(cursor2) == {"since": clock.now, "size": 25, "full_at": clock.now - 300}


def test_conversation_mapping_details(server, connector):
    conv = cp.conversation(5, status="snoozed", snoozed_until=cp.T0 + 9999, priority="urgent",
                           additional_attributes={"mail_subject": "Where is my order?"}, brand_new_field=[1])
    conv["meta"]["team"] = {"id": 2, "name": "Tier 2"}
    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler([[conv]], cp.conversation_page))
    got = next(c for c in drain(connector, "conversations")[0] if isinstance(c, Conversation))
    assert (got.status, got.priority.value, got.subject, got.team_external_id, got.assignee_external_id) == (
        Status.SNOOZED, "urgent", "Where is my order?", "2", "3")
    assert got.snoozed_until.timestamp() == cp.T0 + 9999 and got.contact_external_id == "105"
    assert got.labels == ("delivery",) and got.unread == 1 and got.inbox_name == "Chat"


def test_unknown_enums_missing_fields_and_unmappable_records(server, connector, caplog):
    odd = cp.conversation(2, status="escalated", priority="p0")
    bare = {"id": 3, "created_at": cp.T0}  # nearly nothing: still a conversation
    no_id = cp.conversation(4)
    del no_id["id"]
    no_time = {"id": 6, "status": "open"}
    server.script("GET", f"{cp.PREFIX}/conversations",
                  cp.pages_handler([[odd, bare, no_id, no_time, 17, None]], cp.conversation_page))
    convs = {c.external_id: c for c in drain(connector, "conversations")[0] if isinstance(c, Conversation)}
    assert set(convs) == {"2", "3"}
    assert convs["2"].status is Status.OPEN and convs["2"].priority.value == "none"
    assert convs["3"].channel is Channel.OTHER and convs["3"].contact_external_id is None
    assert "escalated" in caplog.text and "skipping" in caplog.text


def test_same_item_on_two_pages_and_a_repeated_page_end_the_walk(server, connector):
    page1 = [cp.conversation(i) for i in range(1, 26)]
    page2 = [cp.conversation(i) for i in range(25, 50)]  # 25 again: the list shifted under us
    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler([page1, page2, page2, page2],
                                                                         cp.conversation_page))
    items, _, batches = drain(connector, "conversations")
    ids = [c.external_id for c in items if isinstance(c, Conversation)]
    assert set(ids) == {str(i) for i in range(1, 50)} and ids.count("25") == 2  # the store upserts
    assert batches == 3  # page 3 repeated page 2: treated as the end, not an endless loop


def test_server_ignoring_page_does_not_loop_forever(server, connector):
    server.script("GET", f"{cp.PREFIX}/conversations",
                  Reply(200, cp.conversation_page([cp.conversation(i) for i in range(1, 30)], total=1000)))
    _items, _cursor, batches = drain(connector, "conversations")
    assert batches == 2


def test_empty_first_page_is_done(server, connector):
    server.script("GET", f"{cp.PREFIX}/conversations", Reply(200, cp.conversation_page([])))
    batch = connector.pull("conversations", None)
    assert batch.items == [] and batch.done and "since" in json.loads(batch.next_cursor)


@pytest.mark.parametrize("body", [b'{"data": {"payload": [{"id": 1', b"<html>502</html>", b'"just a string"',
                                  b'{"data": {"meta": {}}}', b'{"data": {"payload": {"id": 1}}}'])
def test_malformed_pages_raise_payload_error(server, connector, body):
    server.script("GET", f"{cp.PREFIX}/conversations", Reply(200, body))
    with pytest.raises(PayloadError):
        connector.pull("conversations", None)


def test_garbled_cursor_restarts_the_stream(server, connector):
    server.script("GET", f"{cp.PREFIX}/conversations", Reply(200, cp.conversation_page([])))
    assert connector.pull("conversations", "{not json").done
    assert server.requests_to(f"{cp.PREFIX}/conversations")[0].arg("page") == "1"


def test_contacts_identities_paging_and_incremental(server, connector, clock):
    pages = [[cp.contact(i) for i in range(1, 16)], [cp.contact(i) for i in range(16, 20)]]
    pages[0][0] = cp.contact(1, phone_number="015112345678x", email="not-an-email",
                             additional_attributes={"social_profiles": {"instagram": "anna.k", "x": ""}},
                             identifier="shop-42")
    server.script("GET", f"{cp.PREFIX}/contacts", cp.pages_handler(pages, lambda p: {
        "meta": {"count": 19, "current_page": 1}, "payload": p}))
    items, cursor, batches = drain(connector, "contacts")
    assert len(items) == 19 and batches == 2
    first, second = items[0], items[1]
    assert {i.kind for i in first.identities} == {IdentityKind.HANDLE, IdentityKind.EXTERNAL}
    assert [(i.kind, i.value) for i in second.identities] == [(IdentityKind.EMAIL, "customer2@example.com")]
    assert (IdentityKind.PHONE, "+491511234567") in [(i.kind, i.value) for i in items[2].identities]

    # incremental: most recent activity first, stop at the first page entirely older than the cursor
    clock.now += 60
    server.seen.clear()
    recent = [cp.contact(50, last_activity_at=clock.now - 5)] + [cp.contact(i) for i in range(1, 15)]
    server.script("GET", f"{cp.PREFIX}/contacts", cp.pages_handler([recent, [cp.contact(i) for i in range(15, 30)]]))
    items, _, batches = drain(connector, "contacts", cursor)
    asked = server.requests_to(f"{cp.PREFIX}/contacts")
    assert batches == 2 and asked[0].arg("sort") == "-last_activity_at" and items[0].external_id == "50"


def test_csat_pages_and_bad_ratings(server, connector):
    rows = [{"id": 1, "rating": 5, "feedback_message": "great", "conversation_id": 10, "created_at": cp.T0},
            {"id": 2, "rating": 9, "conversation_id": 11, "created_at": cp.T0},
            {"id": 3, "rating": 2, "conversation_id": 12, "created_at": "2025-10-09T10:00:00Z"}]
    server.script("GET", f"{cp.PREFIX}/csat_survey_responses", cp.pages_handler([rows], wrap=lambda p: p))
    items, cursor, _ = drain(connector, "csat")
    assert [(s.external_id, s.score, s.conversation_external_id) for s in items] == [("1", 5, "10"),
                                                                                     ("3", 2, "12")]
    assert items[0].comment == "great" and items[1].at.year == 2025
    server.seen.clear()
    drain(connector, "csat", cursor)
    asked = server.requests_to(f"{cp.PREFIX}/csat_survey_responses")[0]
    assert asked.arg("since") and asked.arg("until")


def test_csat_missing_endpoint_is_not_fatal(server, connector):
    server.script("GET", f"{cp.PREFIX}/csat_survey_responses", Reply(404, {"error": "not found"}))
    batch = connector.pull("csat", None)
    assert batch.items == [] and batch.done


def test_messages_first_pull_pages_back_to_the_start(server, connector):
    msgs = [cp.message(i, mtype=i % 2) for i in range(1, 46)]
    server.script("GET", f"{cp.PREFIX}/conversations/1/messages", cp.messages_handler(msgs))
    batch = connector.pull("messages/1", None)
    assert [m.external_id for m in messages_of(batch)] == [str(i) for i in range(1, 46)]
    assert batch.done and batch.next_cursor == "45"
    befores = [s.arg("before") for s in server.requests_to(f"{cp.PREFIX}/conversations/1/messages")]
    assert befores == [None, "26", "6"]


def test_messages_after_cursor_ignores_records_behind_it(server, connector, caplog):
    """More new messages than the latest page holds: ``after=`` paging, records at or behind it ignored."""
    latest = [cp.message(i) for i in range(70, 90)]  # does not reach back to the cursor (45)
    after = [cp.message(i) for i in (44, 46, 47)] + [cp.message(45)]
    server.script("GET", f"{cp.PREFIX}/conversations/1/messages", Reply(200, {"meta": {}, "payload": latest}),
                  Reply(200, {"meta": {}, "payload": after}))
    batch = connector.pull("messages/1", "45")
    assert [m.external_id for m in messages_of(batch)] == ["46", "47"] and batch.next_cursor == "47" and batch.done
    assert [s.arg("after") for s in server.requests_to(f"{cp.PREFIX}/conversations/1/messages")] == [None, "45"]
    assert "ignored" in caplog.text


def test_messages_later_pull_rereads_the_latest_page(server, connector):
    """A few new messages: the latest page (one request, as before) holds them, and the recent ones again,
    so an edit or a delete made on the hub reaches the cache."""
    edited = cp.message(44)
    edited["content"] = "This message was deleted"
    edited["content_attributes"] = {"deleted": True}
    latest = [cp.message(i) for i in range(30, 44)] + [edited, cp.message(45), cp.message(46), cp.message(47)]
    server.script("GET", f"{cp.PREFIX}/conversations/1/messages", Reply(200, {"meta": {}, "payload": latest}))
    batch = connector.pull("messages/1", "45")
    by_id = {m.external_id: m for m in messages_of(batch)}
    assert sorted(by_id, key=int) == [str(i) for i in range(30, 48)] and batch.next_cursor == "47" and batch.done
    assert by_id["44"].deleted and by_id["44"].text == ""  # shown as deleted, never found by search
    assert [s.arg("after") for s in server.requests_to(f"{cp.PREFIX}/conversations/1/messages")] == [None]


def test_messages_empty_page_keeps_the_cursor(server, connector):
    server.script("GET", f"{cp.PREFIX}/conversations/1/messages", Reply(200, {"meta": {}, "payload": []}))
    batch = connector.pull("messages/1", "45")
    assert batch.items == [] and batch.next_cursor == "45" and batch.done


def test_message_mapping(server, connector):
    msgs = [cp.message(1), cp.message(2, mtype=1, content_attributes={"deskapp_client_id": "abc"}),
            cp.message(3, mtype=1, private=True), cp.message(4, mtype=2, content="Assigned to Ann by Bob"),
            cp.message(7, mtype=42), cp.message(8, mtype=1, status="teleported"),
            cp.message(10, content=None), cp.message(11, created_at=None),
            {"content": "no id"}]
    server.script("GET", f"{cp.PREFIX}/conversations/1/messages", cp.messages_handler(msgs[:-1]))
    got = {m.external_id: m for m in messages_of(connector.pull("messages/1", None))}
    assert got["1"].direction is Direction.IN and got["1"].delivery.value == "received"
    assert (got["1"].author_external_id, got["1"].author_kind) == ("101", AuthorKind.CONTACT)
    assert got["2"].direction is Direction.OUT and got["2"].client_id == "abc" and got["2"].author_name == "Ann A."
    assert (got["2"].author_kind, got["2"].automated) == (AuthorKind.AGENT, False)
    assert got["3"].direction is Direction.NOTE
    assert got["4"].direction is Direction.ACTIVITY and got["4"].status_event is None
    assert got["7"].direction is Direction.ACTIVITY
    assert got["8"].delivery.value == "sent"
    assert got["10"].text == "" and got["10"].sent_at == got["10"].sent_at.fromtimestamp(cp.T0 + 10, UTC)
    assert "11" not in got  # no time at all: skipped (and logged), the rest of the page stands
    assert all(m.conversation_external_id == "1" for m in got.values())


def test_bots_campaigns_and_templates_are_never_human_replies(server, connector):
    """The author is ``sender.type``; a bot's id collides with a user's (both 3 here) and is kept apart."""
    convs = [cp.conversation(1, created_at=cp.T0 - 600), cp.conversation(2)]  # both web chats
    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler([convs], cp.conversation_page))
    drain(connector, "conversations")
    one = [cp.message(10, 1, mtype=1, sender=cp.sender_bot(3)),
           cp.message(11, 1, mtype=1, sender=cp.sender_user(3)),
           cp.message(12, 1, mtype=3, content="Please rate the conversation", content_type="input_csat"),
           cp.message(13, 1, mtype=1, sender=None, content_attributes={"automation_rule_id": 9}),
           cp.message(14, 1, mtype=1, sender={"id": 8, "name": "Captain", "type": "captain_assistant"}),
           cp.message(15, 1, mtype=1, sender={"id": 9, "type": "hologram"}),
           # a push_event_data-shaped record (websocket/webhook): the model name in sender_type
           cp.message(16, 1, mtype=1, sender=None, sender_type="AgentBot", sender_id=5)]
    server.script("GET", f"{cp.PREFIX}/conversations/1/messages", cp.messages_handler(one))
    got = {m.external_id: m for m in messages_of(connector.pull("messages/1", None))}
    assert (got["10"].author_kind, got["10"].author_external_id, got["10"].automated) == (AuthorKind.BOT, "bot:3", True)
    assert (got["11"].author_kind, got["11"].author_external_id, got["11"].automated) == (AuthorKind.AGENT, "3", False)
    assert (got["12"].author_kind, got["12"].direction, got["12"].automated) == (AuthorKind.SYSTEM, Direction.OUT, True)
    assert (got["13"].author_kind, got["13"].automated) == (AuthorKind.SYSTEM, True)
    assert got["14"].author_kind is AuthorKind.BOT and got["14"].automated
    assert got["15"].author_kind is AuthorKind.UNKNOWN and got["15"].automated  # unknown: never counted as human
    assert (got["16"].author_kind, got["16"].author_external_id) == (AuthorKind.BOT, "bot:5")
    # A website campaign opens a web chat with a message written as its User in the same transaction; neither
    # list shows its campaign_id. The agent's later reply, and a quick one after the visitor wrote, are replies.
    created = cp.T0 + 2
    two = [cp.message(20, 2, mtype=1, created_at=created + 1), cp.message(21, 2, created_at=created + 60),
           cp.message(22, 2, mtype=1, created_at=created + 90)]
    server.script("GET", f"{cp.PREFIX}/conversations/2/messages", cp.messages_handler(two))
    got = {m.external_id: m for m in messages_of(connector.pull("messages/2", None))}
    assert (got["20"].author_kind, got["20"].automated) == (AuthorKind.SYSTEM, True)
    assert (got["22"].author_kind, got["22"].automated) == (AuthorKind.AGENT, False)
    quick = [cp.message(30, 2, created_at=created + 1), cp.message(31, 2, mtype=1, created_at=created + 3)]
    server.script("GET", f"{cp.PREFIX}/conversations/2/messages", cp.messages_handler(quick))
    got = {m.external_id: m for m in messages_of(connector.pull("messages/2", None))}
    assert (got["31"].author_kind, got["31"].automated) == (AuthorKind.AGENT, False)


def test_a_campaign_message_is_known_without_the_conversation_list(server, connector):
    """A pull resumed after a crash reads a conversation's messages before the list: the conversation itself
    (GET conversations/<id>, the same partial) says when it opened, asked once; other channels ask nothing."""
    created = cp.T0 + 2
    server.script("GET", f"{cp.PREFIX}/conversations/2", Reply(200, cp.conversation(2)))
    web = [cp.message(20, 2, mtype=1, created_at=created), cp.message(21, 2, created_at=created + 60),
           cp.message(22, 2, mtype=1, created_at=created + 90)]
    server.script("GET", f"{cp.PREFIX}/conversations/2/messages", cp.messages_handler(web))
    for _ in range(2):
        got = {m.external_id: m for m in messages_of(connector.pull("messages/2", None))}
        assert (got["20"].author_kind, got["20"].automated) == (AuthorKind.SYSTEM, True)
        assert (got["22"].author_kind, got["22"].automated) == (AuthorKind.AGENT, False)
    assert len(server.requests_to(f"{cp.PREFIX}/conversations/2")) == 1
    whatsapp = [cp.message(30, 3, mtype=1, inbox_id=2, created_at=cp.T0 + 3)]  # an agent starts a WhatsApp chat
    server.script("GET", f"{cp.PREFIX}/conversations/3/messages", cp.messages_handler(whatsapp))
    [started] = messages_of(connector.pull("messages/3", None))
    assert (started.author_kind, started.automated) == (AuthorKind.AGENT, False)
    assert not server.requests_to(f"{cp.PREFIX}/conversations/3")
    gone = [cp.message(40, 4, mtype=1, created_at=cp.T0 + 4)]  # the conversation went meanwhile (404)
    server.script("GET", f"{cp.PREFIX}/conversations/4/messages", cp.messages_handler(gone))
    [kept] = messages_of(connector.pull("messages/4", None))
    assert kept.author_kind is AuthorKind.AGENT


def test_status_changes_come_from_the_activity_notices(server, connector):
    notices = ["Conversation was marked resolved by Ann", "Conversation was resolved by Customer 5",
               "Conversation was marked resolved by system due to 3 days of inactivity",
               "Conversation was marked resolved by Captain due to inactivity", "Conversation was reopened by Ann",
               "System reopened the conversation due to a new incoming message.",
               "Conversation was marked open by system due to an error with the agent bot.",
               "Conversation was marked as pending by Ann", "Conversation was snoozed by Ann",
               "Ann added billing", "Assigned to Ann by Bob", "Die Unterhaltung wurde von Ann gelöst"]
    msgs = [cp.activity(i + 1, 1, text) for i, text in enumerate(notices)]
    server.script("GET", f"{cp.PREFIX}/conversations/1/messages", cp.messages_handler(msgs))
    events = [m.status_event for m in messages_of(connector.pull("messages/1", None))]
    resolved, left = StatusEvent.RESOLVED, StatusEvent.REOPENED
    assert events == [resolved] * 4 + [left] * 5 + [None] * 3


def test_deleted_messages_and_attachments_without_extension(server, connector):
    photo = {"id": 1, "message_id": 2, "file_type": "image", "account_id": cp.ACCOUNT, "extension": None,
             "data_url": "http://hub.test/rails/active_storage/blobs/redirect/eyJf/IMG_2041.JPG",
             "thumb_url": "", "file_size": 1234, "width": 10, "height": 10}
    voice = {**photo, "id": 2, "file_type": "audio", "data_url": "http://hub.test/rails/active_storage/blobs/x/y"}
    pdf = {**photo, "id": 3, "file_type": "file", "extension": "pdf", "data_url": "http://hub.test/f/invoice"}
    msgs = [cp.message(1, content="This message was deleted", content_attributes={"deleted": True}),
            cp.message(2, attachments=[photo, voice, pdf])]
    server.script("GET", f"{cp.PREFIX}/conversations/1/messages", cp.messages_handler(msgs))
    got = {m.external_id: m for m in messages_of(connector.pull("messages/1", None))}
    assert got["1"].deleted and got["1"].text == "" and not got["1"].attachments
    files = got["2"].attachments
    assert [(a.filename, a.content_type) for a in files] == [
        ("IMG_2041.JPG", "image/jpeg"), ("y", "audio/*"), ("invoice", "application/pdf")]


def test_message_senders_refresh_their_contact(server, connector):
    renamed = cp.sender_contact(101, name="Anna Renamed", email="anna@new.example")
    server.script("GET", f"{cp.PREFIX}/conversations/1/messages",
                  cp.messages_handler([cp.message(1, sender=renamed), cp.message(2, mtype=1)]))
    batch = connector.pull("messages/1", None)
    contacts = [c for c in batch.items if isinstance(c, Contact)]
    assert [(c.external_id, c.name) for c in contacts] == [("101", "Anna Renamed")]
    assert batch.items.index(contacts[0]) < min(batch.items.index(m) for m in messages_of(batch))


def test_messages_of_a_deleted_conversation(server, connector):
    server.script("GET", f"{cp.PREFIX}/conversations/9/messages", Reply(404, {"error": "not found"}))
    batch = connector.pull("messages/9", "12")
    assert batch.items == [] and batch.done and batch.next_cursor == "12"


def test_401_on_a_pull_is_auth_error(server, connector):
    for path in (f"{cp.PREFIX}/teams", "/api/v1/profile"):  # a revoked token: refused everywhere
        server.script("GET", path, Reply(401, {"error": "Invalid Access Token"}))
    with pytest.raises(AuthError):
        connector.pull("teams", None)


def test_unknown_stream_is_a_programming_error(connector):
    with pytest.raises(ValueError):
        connector.pull("tickets", None)


def test_a_cursor_ahead_of_the_clock_walks_everything_again(server, connector, clock, caplog):
    server.script("GET", f"{cp.PREFIX}/conversations", Reply(200, cp.conversation_page([cp.conversation(1)])))
    batch = connector.pull("conversations", json.dumps({"since": clock.now + 86400, "size": 25}))
    asked = server.requests_to(f"{cp.PREFIX}/conversations")[0]
    assert asked.arg("updated_within") is None and asked.arg("sort_by") == "last_activity_at_desc"
    assert "ahead of the clock" in caplog.text and not batch.done


def test_a_profile_without_an_id_is_a_payload_error(server, make_http):
    server.script("GET", "/api/v1/profile", Reply(200, {"name": "who?"}))
    conn = ChatwootConnector(server.url, cp.ACCOUNT, "tok", http=make_http())
    with pytest.raises(PayloadError):
        conn.pull("profile", None)


def test_unpaginated_updated_within_answer_takes_one_request(server, connector, clock):
    cursor = json.dumps({"since": clock.now - 600, "size": 25})
    server.script("GET", f"{cp.PREFIX}/conversations",
                  Reply(200, cp.conversation_page([cp.conversation(i) for i in range(1, 41)])))
    items, cursor2, batches = drain(connector, "conversations", cursor)
    assert batches == 1 and len([c for c in items if isinstance(c, Conversation)]) == 40
    assert json.loads(cursor2) == {"since": clock.now, "size": 25, "full_at": clock.now - 600}
    assert len(server.requests_to(f"{cp.PREFIX}/conversations")) == 1


def test_401_with_a_working_token_skips_only_that_stream(server, connector, caplog):
    # Chatwoot answers "not allowed" (CSAT reports for a non-admin) with 401 as well
    server.script("GET", f"{cp.PREFIX}/csat_survey_responses", Reply(401, {"error": "You are not authorized"}))
    batch = connector.pull("csat", "prev")
    assert batch.items == [] and batch.done and batch.next_cursor == "prev" and "not permitted" in caplog.text
    server.script("GET", "/api/v1/profile", Reply(401, {"error": "Invalid Access Token"}))
    with pytest.raises(AuthError):
        connector.pull("csat", "prev")


@pytest.mark.parametrize("value", [0, None, "absent", -5, "0", "garbage", {"at": 1}, 86400 * 365])
def test_no_human_reply_yet_is_unanswered_never_1970(server, connector, value):
    """``first_reply_created_at`` is rendered with ``.to_i``: 0 until a human replied."""
    conv = cp.conversation(1, first_reply=value)
    if value == "absent":
        del conv["first_reply_created_at"]
    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler([[conv]], cp.conversation_page))
    got = next(c for c in drain(connector, "conversations")[0] if isinstance(c, Conversation))
    assert got.first_response_at is None


def test_a_conversation_assigned_to_a_bot_has_no_agent(server, connector):
    conv = cp.conversation(1)
    conv["meta"]["assignee"], conv["meta"]["assignee_type"] = cp.sender_bot(3), "AgentBot"
    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler([[conv]], cp.conversation_page))
    got = next(c for c in drain(connector, "conversations")[0] if isinstance(c, Conversation))
    assert got.assignee_external_id is None  # bot 3 is not agent 3


def test_a_real_first_reply_time_is_kept(server, connector):
    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler(
        [[cp.conversation(1, first_reply=cp.T0 + 40)]], cp.conversation_page))
    got = next(c for c in drain(connector, "conversations")[0] if isinstance(c, Conversation))
    assert got.first_response_at.timestamp() == cp.T0 + 40


def test_a_long_absence_walks_by_activity_instead_of_an_unbounded_updated_within(server, connector, clock):
    """``updated_within`` is unpaged: after more than an hour away the window is not asked for; the list
    sorted by last activity is paged down to the first page older than the cursor."""
    since = clock.now - 3 * 86400
    newer = [cp.conversation(i, last_activity_at=int(clock.now) - i) for i in range(1, 26)]
    older = [cp.conversation(i, last_activity_at=int(since) - 500 - i) for i in range(26, 51)]
    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler([newer, older, older], cp.conversation_page))
    _items, cursor, batches = drain(connector, "conversations", json.dumps({"since": since, "size": 25}))
    asked = server.requests_to(f"{cp.PREFIX}/conversations")
    assert [(s.arg("sort_by"), s.arg("page"), s.arg("updated_within")) for s in asked] == [
        ("last_activity_at_desc", "1", None), ("last_activity_at_desc", "2", None)]
    assert batches == 2 and json.loads(cursor)["since"] == clock.now
    # an hour or less away: one unpaged updated_within request
    server.seen.clear()
    clock.now += 1800
    server.script("GET", f"{cp.PREFIX}/conversations", Reply(200, cp.conversation_page(newer[:3])))
    drain(connector, "conversations", cursor)
    asked = server.requests_to(f"{cp.PREFIX}/conversations")
    assert len(asked) == 1 and int(asked[0].arg("updated_within")) == 1800 + 120


def test_contacts_walk_by_name_then_by_activity_then_by_name_again(server, connector, clock):
    """Contacts have no updated_at and last_activity_at moves only when the contact writes: the whole list
    is walked again (sorted by name, 15 a page) every few hours so an edit on the hub reaches the cache."""
    everyone = [cp.contact(i) for i in range(1, 21)] + [cp.contact(i, last_activity_at=None) for i in (21, 22)]

    def contacts(seen):
        order = seen.arg("sort") or ""
        key = (lambda c: c["name"].lower()) if order.endswith("name") else (
            lambda c: (c.get("last_activity_at") is None, -(c.get("last_activity_at") or 0)))  # NULLS LAST
        page = int(seen.arg("page") or 1)
        return Reply(200, cp.contacts_page(sorted(everyone, key=key)[(page - 1) * 15:page * 15], page))

    server.script("GET", f"{cp.PREFIX}/contacts", contacts)
    items, cursor, _ = drain(connector, "contacts")
    assert len({c.external_id for c in items}) == 22
    assert {s.arg("sort") for s in server.requests_to(f"{cp.PREFIX}/contacts")} == {"name"}
    # minutes later: by activity, newest first, stopping at the first page older than the cursor
    clock.now += 600
    everyone[0] = cp.contact(1, last_activity_at=int(clock.now) - 30)
    server.seen.clear()
    items, cursor, _ = drain(connector, "contacts", cursor)
    asked = server.requests_to(f"{cp.PREFIX}/contacts")
    assert [(s.arg("sort"), s.arg("page")) for s in asked] == [("-last_activity_at", "1"), ("-last_activity_at", "2")]
    assert items[0].external_id == "1"
    # an edit that moves nothing (a new name) is read at the next full walk
    everyone[4] = cp.contact(5, name="Edited On The Hub")
    clock.now += connector.contact_walk_every
    server.seen.clear()
    items, _, _ = drain(connector, "contacts", cursor)
    assert {s.arg("sort") for s in server.requests_to(f"{cp.PREFIX}/contacts")} == {"name"}
    assert "Edited On The Hub" in {c.name for c in items}


def test_a_refused_stream_is_told_from_a_revoked_token_by_the_body(server, connector):
    server.script("GET", f"{cp.PREFIX}/csat_survey_responses", Reply(401, cp.NOT_AUTHORIZED))
    batch = connector.pull("csat", "prev")
    assert batch.done and batch.items == [] and not server.requests_to("/api/v1/profile")  # no probe needed
    server.script("GET", f"{cp.PREFIX}/teams", Reply(401, cp.INVALID_TOKEN))
    with pytest.raises(AuthError):
        connector.pull("teams", None)
    assert not server.requests_to("/api/v1/profile")


@pytest.mark.parametrize("stated, told", [(55, 55), (None, None), (10, None), ("many", None)])
def test_the_full_walk_tells_its_progress_whatever_total_the_hub_states(server, connector, stated, told):
    """A missing, too small or garbled ``all_count`` never shows more walked than there is (nor ends the walk)."""
    pages = [[cp.conversation(i) for i in range(1, 26)], [cp.conversation(i) for i in range(26, 51)],
             [cp.conversation(i) for i in range(51, 56)]]

    def page(items):
        body = cp.conversation_page(items)
        body["data"]["meta"]["all_count"] = stated
        return body

    server.script("GET", f"{cp.PREFIX}/conversations", cp.pages_handler(pages, page))
    cursor, progress = None, []
    for _ in range(3):
        batch = connector.pull("conversations", cursor)
        cursor = batch.next_cursor
        progress.append(connector.walk_progress("conversations"))
    assert batch.done
    assert [walked for walked, _total in progress] == [25, 50, 55]
    assert [total for _walked, total in progress] == ([told] * 3 if told else [25, 50, 55])
    assert connector.walk_progress("contacts") is None  # walked by name: not newest first

    server.script("GET", f"{cp.PREFIX}/conversations", Reply(200, cp.conversation_page([cp.conversation(1)])))
    connector.pull("conversations", cursor)  # a walk of what changed has no progress to tell
    assert connector.walk_progress("conversations") is None

"""apply_batch: upserts by (account, external_id), cursor in the same transaction, derived fields, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from deskapp.domain import (
    Agent,
    Attachment,
    AuthorKind,
    Channel,
    Contact,
    Conversation,
    DeliveryState,
    Direction,
    Identity,
    IdentityKind,
    Message,
    Order,
    OrderLine,
    Refund,
    Status,
    StatusEvent,
    SurveyKind,
    SurveyResponse,
    Team,
    Template,
)
from deskapp.store import accounts
from deskapp.store.ingest import apply_batch

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def acc(db) -> int:
    with db.write() as conn:
        return accounts.insert_account(conn, "chatwoot", "cw", "http://127.0.0.1:9", {"account_id": 1})


def _apply(db, acc, records, stream="s", cursor="c1"):
    with db.write() as conn:
        return apply_batch(conn, acc, records, stream=stream, cursor=cursor)


def _rows(db, sql, *params):
    with db.read() as conn:
        return conn.exec_driver_sql(sql, params).all()


def _conv(ext="1", status=Status.OPEN, updated=0, **kw) -> Conversation:
    return Conversation(ext, kw.pop("channel", Channel.WEB_CHAT), status, kw.pop("contact", "ct1"), T0,
                        _at(updated), **kw)


def _msg(ext, conv="1", direction=Direction.IN, minutes=0, text="hi", **kw) -> Message:
    return Message(ext, conv, direction, _at(minutes), text=text, **kw)


def test_every_record_type_is_upserted_once(db, acc):
    records = [
        Agent("a1", "Ann", "ann@shop.test", role="administrator", is_me=True), Team("t1", "Support"),
        Contact("ct1", "Bea", (Identity(IdentityKind.EMAIL, "bea@example.com"),)),
        Template("Hello", "Hi {{ name }}", shortcut="hi", external_id="tpl1"),
        _conv(assignee_external_id="a1", team_external_id="t1", labels=("vip",)),
        _msg("m1", attachments=(Attachment("p.png", "image/png", 10, "http://x/p.png"),)),
        SurveyResponse("s1", SurveyKind.CSAT, 5, _at(30), conversation_external_id="1"),
    ]
    first = _apply(db, acc, records)
    second = _apply(db, acc, records, cursor="c2")
    for table in ("agent", "team", "contact", "customer", "template", "conversation", "message", "attachment",
                  "survey_response", "conversation_label", "message_fts"):
        assert _rows(db, f'SELECT count(*) FROM "{table}"')[0][0] == 1, table
    assert first.new_message_ids and first.new_inbound_message_ids == first.new_message_ids
    assert second.new_message_ids == [] and second.survey_ids == first.survey_ids
    assert _rows(db, "SELECT value FROM sync_cursor WHERE stream = 's'") == [("c2",)]
    conv = _rows(db, "SELECT assignee_id, team_id, csat, customer_id FROM conversation")[0]
    assert conv[0] is not None and conv[1] is not None and conv[2] == 5 and conv[3] is not None


def test_duplicates_in_one_page_and_across_pages(db, acc):
    _apply(db, acc, [_conv(), _msg("m1", text="first"), _msg("m1", text="second copy")])
    _apply(db, acc, [_msg("m1", text="second copy"), _msg("m2", minutes=1)], cursor="c2")
    assert _rows(db, "SELECT external_id, text FROM message ORDER BY id") == [("m1", "second copy"), ("m2", "hi")]
    assert _rows(db, "SELECT message_count FROM conversation") == [(2,)]
    assert _rows(db, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'second'") == [(1,)]
    assert _rows(db, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'first'") == [(0,)]


def test_empty_page_only_moves_the_cursor(db, acc):
    changes = _apply(db, acc, [], cursor="page-2")
    assert changes.empty and changes.records == 0
    assert _rows(db, "SELECT value FROM sync_cursor") == [("page-2",)]
    _apply(db, acc, [], cursor=None)  # no cursor: the stored one stays
    assert _rows(db, "SELECT value FROM sync_cursor") == [("page-2",)]


def test_a_failed_transaction_keeps_neither_rows_nor_cursor(db, acc):
    with pytest.raises(RuntimeError), db.write() as conn:
        apply_batch(conn, acc, [_conv(), _msg("m1")], stream="s", cursor="c9")
        raise RuntimeError("crash before commit")
    assert _rows(db, "SELECT count(*) FROM message") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM sync_cursor") == [(0,)]


def test_unknown_enum_values_are_absorbed(db, acc):
    weird = Conversation("9", "carrier_pigeon", "bot_handling", None, T0, T0, priority="whenever")  # type: ignore[arg-type]
    _apply(db, acc, [weird, Message("w1", "9", "sideways", T0, delivery="teleported")])  # type: ignore[arg-type]
    assert _rows(db, "SELECT channel, status, priority FROM conversation") == [("other", "open", "none")]
    assert _rows(db, "SELECT direction, delivery FROM message") == [("in", "received")]


def test_stale_copy_never_rolls_a_conversation_back(db, acc):
    _apply(db, acc, [_conv(status=Status.RESOLVED, updated=10)])
    _apply(db, acc, [_conv(status=Status.OPEN, updated=5)])  # an older page arrives late
    assert _rows(db, "SELECT status FROM conversation") == [("resolved",)]


def test_status_transitions_never_take_the_last_update_for_the_resolution(db, acc):
    _apply(db, acc, [_conv(status=Status.OPEN, updated=0)])
    _apply(db, acc, [_conv(status=Status.RESOLVED, updated=10)])  # no time given: none is made up
    assert _rows(db, "SELECT resolved_at FROM conversation") == [(None,)]
    _apply(db, acc, [_conv(status=Status.OPEN, updated=20)])
    _apply(db, acc, [_conv(status=Status.RESOLVED, updated=30, resolved_at=_at(29))])
    _apply(db, acc, [_conv(status=Status.RESOLVED, updated=31)])  # no transition: no event, the time is kept
    events = _rows(db, "SELECT kind, at FROM conversation_event ORDER BY id")
    assert [k for k, _ in events] == ["reopened", "resolved"]
    assert events[0][1] == int(_at(20).timestamp())
    assert _rows(db, "SELECT resolved_at FROM conversation") == [(int(_at(29).timestamp()),)]


def _notice(ext, minutes, text, event=None) -> Message:
    return _msg(ext, direction=Direction.ACTIVITY, minutes=minutes, text=text, author_kind=AuthorKind.SYSTEM,
                status_event=event)


def test_resolution_and_reopening_come_from_the_status_notices(db, acc):
    """updated_at moves with every later message (here a CSAT survey an hour later): never the resolution."""
    _apply(db, acc, [_conv(status=Status.RESOLVED, updated=200), _msg("m1", minutes=0),
                     _msg("m2", direction=Direction.OUT, minutes=5, author_kind=AuthorKind.AGENT),
                     _notice("n1", 9, "Conversation was marked resolved by Ann", StatusEvent.RESOLVED),
                     _msg("m3", minutes=30, text="thanks! one more thing"),  # reopens it (no notice)
                     _notice("n2", 40, "Conversation was marked resolved by Ann", StatusEvent.RESOLVED),
                     _msg("m4", direction=Direction.OUT, minutes=100, author_kind=AuthorKind.SYSTEM, automated=True,
                          text="Please rate the conversation")])
    assert _rows(db, "SELECT resolved_at FROM conversation") == [(int(_at(40).timestamp()),)]
    events = _rows(db, "SELECT kind, at, value FROM conversation_event ORDER BY at")
    assert events == [("resolved", int(_at(9).timestamp()), "notice"), ("reopened", int(_at(30).timestamp()), "notice"),
                      ("resolved", int(_at(40).timestamp()), "notice")]
    # the same page again: the events are rewritten, not added
    _apply(db, acc, [_notice("n2", 40, "Conversation was marked resolved by Ann", StatusEvent.RESOLVED)])
    assert len(_rows(db, "SELECT 1 FROM conversation_event")) == 3


def test_a_notice_in_another_language_falls_back_to_the_last_notice_after_the_customer(db, acc):
    _apply(db, acc, [_conv(status=Status.RESOLVED, updated=500), _msg("m1", minutes=0),
                     _notice("n1", 3, "Ann hat die Unterhaltung zugewiesen"), _msg("m2", minutes=10),
                     _notice("n2", 12, "Die Unterhaltung wurde von Ann als gelöst markiert")])
    assert _rows(db, "SELECT resolved_at FROM conversation") == [(int(_at(12).timestamp()),)]


def test_mail_without_notices_keeps_its_own_resolution(db, acc):
    _apply(db, acc, [_conv(status=Status.RESOLVED, updated=9, resolved_at=_at(8), channel=Channel.EMAIL),
                     _msg("m1", minutes=0)])
    assert _rows(db, "SELECT resolved_at FROM conversation") == [(int(_at(8).timestamp()),)]
    assert _rows(db, "SELECT count(*) FROM conversation_event") == [(1,)]


def test_a_1970_first_response_is_no_response(db, acc):
    _apply(db, acc, [_conv(first_response_at=datetime.fromtimestamp(0, UTC))])
    assert _rows(db, "SELECT first_response_at FROM conversation") == [(None,)]


def test_a_deleted_message_keeps_no_words_or_files(db, acc):
    photo = Attachment("a.png", "image/png", 10, "http://x/a.png")
    _apply(db, acc, [_conv(), _msg("m1", text="my card number is 4111", attachments=(photo,))])
    assert _rows(db, "SELECT count(*) FROM message_fts WHERE message_fts MATCH '4111'") == [(1,)]
    _apply(db, acc, [_msg("m1", text="", deleted=True)])
    assert _rows(db, "SELECT text, deleted, has_attachments FROM message") == [("", 1, 0)]
    assert _rows(db, "SELECT count(*) FROM message_fts WHERE message_fts MATCH '4111'") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM attachment") == [(0,)]


def test_authors_are_stored(db, acc):
    _apply(db, acc, [_conv(), _msg("m1", author_kind=AuthorKind.CONTACT),
                     _msg("m2", direction=Direction.OUT, author_kind=AuthorKind.BOT, automated=True,
                          author_external_id="bot:3")])
    assert _rows(db, "SELECT external_id, author_kind, author_external_id, automated FROM message ORDER BY id") == [
        ("m1", "contact", None, 0), ("m2", "bot", "bot:3", 1)]


def test_labels_follow_the_latest_copy(db, acc):
    _apply(db, acc, [_conv(labels=("vip", "refund", "vip"), updated=1)])
    assert _rows(db, "SELECT label FROM conversation_label ORDER BY label") == [("refund",), ("vip",)]
    _apply(db, acc, [_conv(labels=("shipping",), updated=2)])
    assert _rows(db, "SELECT label FROM conversation_label") == [("shipping",)]
    assert json.loads(_rows(db, "SELECT labels FROM conversation")[0][0]) == ["shipping"]


def _writes(db, acc, records) -> dict[str, int]:
    """apply_batch, counting the rows it writes to conversation and conversation_label (temp triggers on
    the write connection itself)."""
    with db.write() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE written (what TEXT)")
        for what, event, table in (("conversation", "UPDATE", "conversation"),
                                   ("label+", "INSERT", "conversation_label"),
                                   ("label-", "DELETE", "conversation_label")):
            conn.exec_driver_sql(f"CREATE TEMP TRIGGER count_{what.strip('+-')}_{event} AFTER {event} ON main.{table}"
                                 f" BEGIN INSERT INTO written VALUES ('{what}'); END")
        apply_batch(conn, acc, records, stream="s", cursor="c")
        counts = dict(conn.exec_driver_sql("SELECT what, count(*) FROM written GROUP BY what").tuples().all())
        conn.exec_driver_sql("DROP TABLE written")
        for name in ("conversation_UPDATE", "label_INSERT", "label_DELETE"):
            conn.exec_driver_sql(f"DROP TRIGGER temp.count_{name}")
    return counts


def test_the_copy_held_seen_again_rewrites_nothing(db, acc):
    page = [_conv(labels=("vip", "refund"), updated=3, unread=2), _msg("m1", minutes=1),
            _msg("m2", direction=Direction.OUT, minutes=2)]
    _apply(db, acc, page)
    assert _writes(db, acc, page) == {}
    # the same time but another field: still written (the service may change it without a new time)
    assert _writes(db, acc, [_conv(labels=("vip", "refund"), updated=3, unread=0)]) == {"conversation": 1}
    assert _rows(db, "SELECT unread FROM conversation") == [(0,)]


def test_a_label_change_writes_only_the_labels_that_come_or_go(db, acc):
    _apply(db, acc, [_conv(labels=("vip", "refund"), updated=1)])
    assert _writes(db, acc, [_conv(labels=("refund", "vip", "late"), updated=2)]) == {
        "conversation": 1, "label+": 1}
    assert _writes(db, acc, [_conv(labels=("late",), updated=3)]) == {"conversation": 1, "label-": 2}
    assert _rows(db, "SELECT label FROM conversation_label") == [("late",)]


def test_snippet_counts_and_first_response(db, acc):
    _apply(db, acc, [
        _conv(),
        _msg("m1", minutes=0, text="where is my\nparcel"),
        _msg("m2", direction=Direction.OUT, minutes=1, text="bot says hi", automated=True),
        _msg("m3", direction=Direction.NOTE, minutes=2, text="internal note"),
        _msg("m4", direction=Direction.OUT, minutes=5, text="It ships today"),
        _msg("m5", direction=Direction.ACTIVITY, minutes=6, text="assigned to Ann"),
    ])
    row = _rows(db, "SELECT snippet, message_count, first_response_at, last_message_at FROM conversation")[0]
    assert row == ("It ships today", 5, int(_at(5).timestamp()), int(_at(6).timestamp()))


def test_messages_before_their_conversation_get_a_placeholder(db, acc):
    _apply(db, acc, [_msg("m1", conv="77", text="early bird")])
    assert _rows(db, "SELECT status, updated_at, message_count FROM conversation") == [("open", 0, 1)]
    _apply(db, acc, [Conversation("77", Channel.EMAIL, Status.PENDING, "ct1", T0, _at(3), subject="Refund please")])
    assert _rows(db, "SELECT channel, status, subject, message_count FROM conversation") == [
        ("email", "pending", "Refund please", 1)]
    # the FTS row learns the real subject and customer
    assert _rows(db, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'subject:refund'") == [(1,)]


def test_pulled_message_adopts_the_local_row_of_the_same_client_id(db, acc):
    _apply(db, acc, [_conv()])
    conv_id = _rows(db, "SELECT id FROM conversation")[0][0]
    with db.write() as conn:  # what the outbox writes offline
        conn.exec_driver_sql(
            "INSERT INTO message (account_id, external_id, conversation_id, direction, text, sent_at, delivery,"
            " client_id) VALUES (?, 'local:abc', ?, 'out', 'on my way', 1, 'queued', 'abc')", (acc, conv_id))
    local_id = _rows(db, "SELECT id FROM message")[0][0]
    changes = _apply(db, acc, [_msg("555", direction=Direction.OUT, text="on my way", client_id="abc")])
    assert _rows(db, "SELECT id, external_id, delivery FROM message") == [(local_id, "555", "sent")]
    assert changes.new_message_ids == []
    # nothing new was written by the upsert, yet the adopted row counts in the conversation's summary
    assert _rows(db, "SELECT message_count, snippet FROM conversation") == [(1, "on my way")]
    _apply(db, acc, [_msg("555", direction=Direction.OUT, text="on my way", client_id="abc")])
    assert _rows(db, "SELECT count(*) FROM message") == [(1,)]


def test_local_row_pulled_twice_is_not_duplicated(db, acc):
    _apply(db, acc, [_conv(), _msg("555", direction=Direction.OUT, client_id="abc")])
    conv_id = _rows(db, "SELECT id FROM conversation")[0][0]
    with db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO message (account_id, external_id, conversation_id, direction, text, sent_at, delivery,"
            " client_id) VALUES (?, 'local:abc', ?, 'out', 'hi', 1, 'queued', 'abc')", (acc, conv_id))
    _apply(db, acc, [_msg("555", direction=Direction.OUT, client_id="abc")])
    assert _rows(db, "SELECT external_id, delivery FROM message") == [("555", DeliveryState.SENT.value)]


def test_orders_with_lines_link_to_the_shop_customer_and_by_email(db, acc):
    with db.write() as conn:
        shop = accounts.insert_account(conn, "shopify", "shop", "http://127.0.0.1:9")
    _apply(db, acc, [Contact("ct1", "Bea", (Identity(IdentityKind.EMAIL, "bea@example.com"),))])
    order = Order("o1", "#1042", "sc1", T0, _at(1), 59.9, "EUR", "paid", "fulfilled", email="bea@example.com",
                  tracking_numbers=("TRK1",), lines=(OrderLine("Shoe", 2, "SH-1", 29.95),))
    guest = Order("o2", "#1043", None, T0, _at(1), 10, "EUR", "paid", "", email="BEA@example.com")
    changes = _apply(db, shop, [Contact("sc1", "Bea", (Identity(IdentityKind.EMAIL, "bea@example.com"),)),
                                order, guest])
    assert len(changes.order_ids) == 2
    assert _rows(db, "SELECT count(*) FROM customer") == [(1,)]
    assert _rows(db, 'SELECT count(DISTINCT customer_id) FROM "order"') == [(1,)]
    assert _rows(db, "SELECT title, quantity FROM order_line") == [("Shoe", 2)]
    # a newer copy replaces the lines; an older one changes nothing
    newer = Order("o1", "#1042", "sc1", T0, _at(5), 29.95, "EUR", "partially_refunded", "fulfilled",
                  lines=(OrderLine("Shoe", 1, "SH-1", 29.95),))
    _apply(db, shop, [newer])
    _apply(db, shop, [order])
    assert _rows(db, "SELECT quantity FROM order_line") == [(1,)]
    assert _rows(db, "SELECT financial_status FROM \"order\" WHERE external_id = 'o1'") == [("partially_refunded",)]


def test_orders_keep_the_facts_returns_and_refunds_need(db, acc):
    """Refunded amounts and quantities, product tags and type, shipping and delivery dates and the shop's
    refunds go into the cache and come back out as the customer panel reads them."""
    from deskapp.store import customer_profile

    with db.write() as conn:
        shop = accounts.insert_account(conn, "shopify", "shop", "http://127.0.0.1:9")
    refund = Refund("gid://shopify/Refund/7", _at(30), 28.0, "EUR", "damaged [deskapp:c-1]")
    order = Order("o1", "#1042", "sc1", T0, _at(40), 59.9, "EUR", "partially_refunded", "fulfilled",
                  lines=(OrderLine("Crew", 2, "CR-1", 28.0, refunded_quantity=1, product_tags=("Wool", "final-sale"),
                                   product_type="Knitwear"), OrderLine("Sock", 1, "SO-1", 3.9)),
                  total_refunded=28.0, fulfilled_at=_at(10), delivered_at=_at(20), in_transit=False,
                  refunds=(refund, refund))  # listed twice: kept once
    _apply(db, shop, [Contact("sc1", "Bea", (Identity(IdentityKind.EMAIL, "bea@example.com"),)), order])
    assert _rows(db, 'SELECT total_refunded, fulfilled_at, delivered_at, in_transit FROM "order"') == [
        (28.0, int(_at(10).timestamp()), int(_at(20).timestamp()), 0)]
    assert _rows(db, "SELECT external_id, created_at, amount, currency, note FROM order_refund") == [
        ("gid://shopify/Refund/7", int(_at(30).timestamp()), 28.0, "EUR", "damaged [deskapp:c-1]")]
    customer = _rows(db, 'SELECT customer_id FROM "order"')[0][0]
    info = customer_profile.read(db, customer, order_limit=5, conversation_limit=5).orders[0]
    assert (info.total_refunded, info.fulfilled_at, info.delivered_at, info.in_transit) == (
        28.0, int(_at(10).timestamp()), int(_at(20).timestamp()), False)
    assert info.line_facts == [(1, ("Wool", "final-sale"), "Knitwear"), (0, (), "")]
    # a newer copy replaces the refunds as it replaces the lines; junk money is 0, not a crash
    later = Order("o1", "#1042", "sc1", T0, _at(50), 59.9, "EUR", "paid", "fulfilled", total_refunded=float("nan"),
                  in_transit=True, lines=(OrderLine("Crew", 2, "CR-1", 28.0),))
    _apply(db, shop, [later])
    assert _rows(db, 'SELECT total_refunded, delivered_at, in_transit FROM "order"') == [(0.0, None, 1)]
    assert _rows(db, "SELECT count(*) FROM order_refund") == [(0,)]
    assert _rows(db, "SELECT refunded_quantity, product_tags, product_type FROM order_line") == [(0, "[]", "")]


def test_accounts_keep_their_own_external_ids(db, acc):
    with db.write() as conn:
        other = accounts.insert_account(conn, "chatwoot", "cw2", "http://127.0.0.1:9", {"account_id": 2})
    _apply(db, acc, [_conv(), _msg("m1")])
    _apply(db, other, [_conv(), _msg("m1")])
    assert _rows(db, "SELECT count(*) FROM conversation") == [(2,)]
    assert _rows(db, "SELECT count(*) FROM message") == [(2,)]


def test_records_without_ids_are_dropped_not_fatal(db, acc):
    bad = [Message("", "1", Direction.IN, T0), Message("m9", "", Direction.IN, T0), _conv(ext=""),
           Contact("", "nobody"), Message("m8", None, Direction.IN, T0)]  # type: ignore[arg-type]
    changes = _apply(db, acc, [*bad, _conv(), _msg("m1")])
    assert len(changes.new_message_ids) == 1
    assert _rows(db, "SELECT count(*) FROM conversation") == [(1,)]


def test_unknown_record_types_are_ignored(db, acc):
    changes = _apply(db, acc, [object(), "junk", _conv()])
    assert changes.conversation_ids


def test_large_batch_is_one_statement_per_table(db, acc):
    convs = [_conv(str(i)) for i in range(300)]
    msgs = [_msg(f"m{i}", conv=str(i % 300), minutes=i % 50, text=f"text {i}") for i in range(3000)]
    changes = _apply(db, acc, convs + msgs)
    assert len(changes.new_message_ids) == 3000 and len(changes.conversation_ids) == 300
    assert _rows(db, "SELECT sum(message_count) FROM conversation") == [(3000,)]
    assert _rows(db, "SELECT count(*) FROM message_fts") == [(3000,)]


def test_a_contact_renamed_on_the_service_renames_its_customer(db, acc):
    _apply(db, acc, [Contact("ct1", "Anna K"), _conv(), _msg("m1", text="parcel")])
    _apply(db, acc, [Contact("ct1", "Anna Kowalska")])
    assert _rows(db, "SELECT name FROM customer") == [("Anna Kowalska",)]
    assert _rows(db, "SELECT customer_name FROM message_fts WHERE message_fts MATCH 'parcel'") == [("Anna Kowalska",)]
    with db.write() as conn:  # an agent chose another name here: a later rename on the service keeps it
        conn.exec_driver_sql("UPDATE customer SET name = 'Anna (VIP)'")
    _apply(db, acc, [Contact("ct1", "Anna K.")])
    assert _rows(db, "SELECT name FROM customer") == [("Anna (VIP)",)]

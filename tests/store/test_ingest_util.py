"""store.ingest_util: the pieces every store module shares: times, enums with a fallback, IN-list chunks,
de-duplication, external-to-local id maps, and which records can be upserted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from deskapp.domain import Direction, Message, Status, Template
from deskapp.store.ingest_util import AppliedChanges, chunks, dedupe, enum_or, id_map, many, real_ts, ts, valid
from tests.faults.seed import seed_cache

SENT = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def test_times_are_unix_seconds_and_a_naive_time_is_taken_as_utc():
    assert ts(None) is None
    assert ts(SENT) == 1748865600
    assert ts(SENT.replace(tzinfo=None)) == 1748865600
    assert ts(SENT.astimezone(timezone(timedelta(hours=2)))) == 1748865600


def test_impossible_event_times_mean_never():
    assert real_ts(datetime(1970, 1, 1, tzinfo=UTC)) is None  # Chatwoot's 0
    assert real_ts(datetime(1999, 12, 31, tzinfo=UTC)) is None
    assert real_ts(SENT) == 1748865600 and real_ts(None) is None


def test_an_unknown_enum_value_falls_back_instead_of_failing():
    assert enum_or(Status, "resolved", Status.OPEN) is Status.RESOLVED
    assert enum_or(Status, "archived", Status.OPEN) is Status.OPEN
    assert enum_or(Status, None, Status.PENDING) is Status.PENDING


def test_chunks_cover_every_value_once_in_order():
    values = list(range(1234))
    parts = list(chunks(values, 500))
    assert [len(p) for p in parts] == [500, 500, 234] and [v for p in parts for v in p] == values
    assert list(chunks([])) == []


def test_the_last_copy_of_a_record_wins_in_first_seen_order():
    def m(external_id, text):
        return Message(external_id, "c1", Direction.IN, SENT, text=text)

    kept = dedupe([m("1", "first"), m("2", "other"), m("1", "edited")])
    assert [(r.external_id, r.text) for r in kept] == [("1", "edited"), ("2", "other")]


def test_id_map_finds_local_ids_across_chunks_and_skips_unknown_ones(db):
    seeded = seed_cache(db, conversations=3)
    wanted = ["101", "103", "no-such"] + [f"x{i}" for i in range(1200)]  # over two IN-list chunks
    with db.read() as conn:
        found = id_map(conn, "conversation", seeded["account_id"], wanted)
        assert found == {"101": seeded["conversations"][0], "103": seeded["conversations"][2]}
        assert id_map(conn, "conversation", seeded["account_id"] + 1, ["101"]) == {}  # another account's


def test_many_writes_nothing_for_an_empty_page(db):
    with db.write() as conn:
        many(conn, "INSERT INTO setting (key, value) VALUES (?, ?)", [])
        many(conn, "INSERT INTO setting (key, value) VALUES (?, ?)", [("a", "1"), ("b", "2")])
        assert conn.exec_driver_sql("SELECT count(*) FROM setting WHERE key IN ('a', 'b')").scalar() == 2


def test_records_without_their_own_id_cannot_be_upserted():
    assert valid(Message("m1", "c1", Direction.IN, SENT))
    assert not valid(Message("", "c1", Direction.IN, SENT))
    assert not valid(Message("m1", "", Direction.IN, SENT))
    assert not valid(Message(42, "c1", Direction.IN, SENT))  # type: ignore[arg-type]
    assert valid(Template(name="Refund", body="..."))
    assert not valid(Template(name="", body="..."))
    assert valid(object())  # a foreign object: reported later as an unknown type, not dropped here


def test_applied_changes_are_empty_until_something_was_touched():
    changes = AppliedChanges(account_id=1, records=5, duplicates=5)
    assert changes.empty
    changes.order_ids.append(7)
    assert not changes.empty

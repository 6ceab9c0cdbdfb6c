"""connectors.wire: times in every shape the services send (seconds, milliseconds, ISO, Rails' " UTC", 0 as
"never"), ids as the store keys them, nested keys and fields of the wrong type read without raising."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from deskapp.connectors import wire

WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", [
    1772368200, 1772368200.0, "1772368200", " 1772368200 ", 1772368200000,  # milliseconds when implausibly large
    "2026-03-01T12:30:00Z", "2026-03-01T12:30:00+00:00", "2026-03-01 12:30:00 UTC", "2026-03-01T14:30:00+02:00",
    "2026-03-01T12:30:00",  # no zone: read as UTC
])
def test_parse_time_reads_every_shape_as_aware_utc(value):
    assert wire.parse_time(value) == WHEN


@pytest.mark.parametrize("value", [None, "", True, False, "yesterday", "2026-13-45", [1], {"t": 1}, 1e300,
                                   "1e400", float("nan")])
def test_parse_time_gives_none_for_garbage(value):
    assert wire.parse_time(value) is None


@pytest.mark.parametrize("value", [0, "0", -5, "1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z", None, "soon"])
def test_real_time_reads_the_never_encodings_as_none(value):
    assert wire.real_time(value) is None


def test_real_time_keeps_a_real_event():
    assert wire.real_time(1772368200) == WHEN
    assert wire.real_time("2000-01-01T00:00:00Z") == wire.EARLIEST_REAL


@pytest.mark.parametrize(("value", "expected"), [
    (3, "3"), ("3", "3"), (3.0, "3"), (" gid://shopify/Order/7 ", "gid://shopify/Order/7"), (3.5, "3.5"),
    (None, None), ("", None), ("   ", None), (True, None), ([3], None), ({"id": 3}, None),
])
def test_id_text_keys_3_and_text_3_alike(value, expected):
    assert wire.id_text(value) == expected


def test_dig_follows_keys_and_indexes_and_stops_at_the_wrong_type():
    data = {"a": {"b": [{"c": 1}, {"c": 2}]}, "s": "text"}
    assert wire.dig(data, "a", "b", 1, "c") == 2
    assert wire.dig(data, "a", "b", -1, "c") == 2
    assert wire.dig(data, "a", "b", 2, "c") is None  # past the end
    assert wire.dig(data, "a", "b", -3) is None
    assert wire.dig(data, "s", "x") is None  # a string is not a mapping
    assert wire.dig(data, "a", 0) is None  # an index into a mapping
    assert wire.dig(None, "a") is None
    assert wire.dig(data) is data


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""), ({"x": 1}, ""), ([1], ""), ("hi", "hi"), (42, "42"), (0, "0"), (False, "False")])
def test_text_of_a_field_that_may_be_missing_or_a_number(value, expected):
    assert wire.text(value) == expected


@pytest.mark.parametrize(("value", "number"), [
    ("7", 7), (7.9, 7), ("7.9", 7), (None, -1), ("seven", -1), ([], -1), ("inf", -1), (float("inf"), -1)])
def test_as_int_falls_back_to_the_default(value, number):
    assert wire.as_int(value, -1) == number


@pytest.mark.parametrize(("value", "number"), [("2.5", 2.5), (3, 3.0), (None, 0.0), ("x", 0.0), ({}, 0.0)])
def test_as_float_falls_back_to_the_default(value, number):
    assert wire.as_float(value) == number


def test_as_dict_keeps_only_an_object():
    assert wire.as_dict({"a": 1}) == {"a": 1}
    assert wire.as_dict(None) == {} and wire.as_dict([1]) == {} and wire.as_dict("{}") == {}


def test_map_each_skips_and_logs_a_bad_record_and_keeps_the_page(caplog):
    def mapper(item):
        if item == "bad":
            raise ValueError("no id")
        return item["n"] * 2

    with caplog.at_level(logging.WARNING, logger="deskapp.connectors"):
        out = wire.map_each([{"n": 1}, "bad", {"m": 0}, None, {"n": 2}], mapper, "conversation")
    assert out == [2, 4]
    skipped = [r.getMessage() for r in caplog.records]
    assert len(skipped) == 3 and all(m.startswith("skipping a conversation record") for m in skipped)


def test_map_each_does_not_hide_a_bug_of_another_kind():
    with pytest.raises(ZeroDivisionError):
        wire.map_each([1], lambda n: n / 0, "order")


def test_warn_once_logs_each_field_and_value_once(caplog):
    with caplog.at_level(logging.WARNING, logger="deskapp.connectors"):
        for _ in range(3):
            wire.warn_once("status-of-test-wire", "archived", "open")
        wire.warn_once("status-of-test-wire", "x" * 500, "open")  # a huge value is keyed by its start
        wire.warn_once("status-of-test-wire", "x" * 500 + "y", "open")
    assert len(caplog.records) == 2
    assert caplog.records[0].getMessage() == "unknown status-of-test-wire 'archived': using 'open'"


def test_identities_normalise_email_and_phone_and_drop_what_is_not_one():
    found = wire.identities("  Ann@Example.COM ", "")
    assert [(str(i.kind), i.value) for i in found] == [("email", "ann@example.com")]
    assert wire.identities("", "") == ()
    assert wire.identities("not an address", "call me") == ()

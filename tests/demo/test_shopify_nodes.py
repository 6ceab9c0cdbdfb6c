"""The demo shop's Relay connections (first/last, after/before, reverse, sort keys, bad cursors and sizes) and
its subset of Shopify's search syntax (comparisons on dates, field equality, bare words, unknown fields)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from graphql import GraphQLError

from deskapp.demo.shopify_nodes import MAX_PAGE, connection, iso, money, parse_search

ITEMS = [{"id": n, "name": f"#{1000 + n}", "updated": 100 - n} for n in range(1, 11)]
SORTS = {"ID": lambda x: (x["id"],), "UPDATED_AT": lambda x: (x["updated"], x["id"])}


def page(items=ITEMS, matches=lambda x: True, **args) -> dict:
    return connection(items, args, sort_keys=SORTS, default_sort="ID", matches=matches, node=lambda x: x)


def ids(result: dict) -> list[int]:
    return [n["id"] for n in result["nodes"]]


def test_first_and_after_walk_every_item_once():
    seen, after = [], None
    while True:
        result = page(first=3, after=after)
        seen += ids(result)
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert seen == list(range(1, 11))
    assert result["pageInfo"]["hasPreviousPage"] and [e["node"] for e in result["edges"]] == result["nodes"]


def test_last_before_reverse_and_sort_keys():
    tail = page(last=2)
    assert ids(tail) == [9, 10] and tail["pageInfo"]["hasNextPage"] is False
    before = page(last=2, before=tail["pageInfo"]["startCursor"])
    assert ids(before) == [7, 8] and before["pageInfo"]["hasNextPage"] is True
    assert ids(page(first=3, reverse=True)) == [10, 9, 8]
    assert ids(page(first=3, sortKey="UPDATED_AT")) == [10, 9, 8]  # least recently updated first
    assert ids(page(first=3, sortKey="NO_SUCH_KEY")) == [1, 2, 3]  # falls back to the id
    newest = page(first=2, reverse=True)
    assert ids(page(first=2, reverse=True, after=newest["pageInfo"]["endCursor"])) == [8, 7]


def test_the_filter_is_applied_before_the_page_is_cut():
    even = page(first=2, matches=lambda x: x["id"] % 2 == 0)
    assert ids(even) == [2, 4] and even["pageInfo"]["hasNextPage"]
    rest = page(first=10, after=even["pageInfo"]["endCursor"], matches=lambda x: x["id"] % 2 == 0)
    assert ids(rest) == [6, 8, 10] and not rest["pageInfo"]["hasNextPage"]
    none = page(first=5, matches=lambda x: False)
    assert none["nodes"] == [] and none["pageInfo"]["startCursor"] is None


@pytest.mark.parametrize(("args", "message"), [
    ({}, "first or last"),
    ({"first": MAX_PAGE + 1}, f"from 0 to {MAX_PAGE}"),
    ({"last": -1}, f"from 0 to {MAX_PAGE}"),
    ({"first": 2, "after": "%%%not base64"}, "Invalid cursor"),
    ({"first": 2, "after": "bm90IGpzb24="}, "Invalid cursor"),  # base64 of "not json"
])
def test_bad_sizes_and_cursors_are_graphql_errors(args, message):
    with pytest.raises(GraphQLError, match=message):
        page(**args)


def _field_of(x, field):
    if x is None:  # asked whether the field is searchable at all
        return None if field in ("name", "email", "updated_at") else NotImplemented
    return {"text": f"{x['name']} mug order", "name": x["name"], "email": x.get("email", ""),
            "updated_at": x["updated"]}[field]


def test_search_terms_are_anded_and_compare_dates_and_fields():
    rows = [{"name": "#1001", "updated": 1_748_000_000, "email": "ana@example.com"},
            {"name": "#1002", "updated": 1_749_000_000, "email": "bo@example.com"}]
    after = parse_search("updated_at:>'2025-05-28T00:00:00Z'", _field_of)
    assert [r["name"] for r in rows if after(r)] == ["#1002"]
    assert [r["name"] for r in rows if parse_search("name:1001", _field_of)(r)] == ["#1001"]
    both = parse_search("email:BO@example.com AND updated_at:<=2025-06-30", _field_of)
    assert [r["name"] for r in rows if both(r)] == ["#1002"]
    assert all(parse_search(q, _field_of)(rows[0]) for q in (None, "", "  ", "MUG", "colour:blue"))
    assert not parse_search("teapot", _field_of)(rows[0])
    unclosed = parse_search('mug "order', _field_of)  # read word by word, the quote kept in its word: no crash
    assert unclosed(rows[0]) is False and parse_search('mug order', _field_of)(rows[0]) is True


def test_a_bad_date_in_a_search_is_a_graphql_error():
    with pytest.raises(GraphQLError, match="Invalid date"):
        parse_search("updated_at:>yesterday", _field_of)


def test_times_and_money_are_shaped_like_shopifys():
    assert iso(None) is None and iso(1748865600) == "2025-06-02T12:00:00Z"
    assert money(Decimal("4.5")) == {"shopMoney": {"amount": "4.50", "currencyCode": "USD"},
                                     "presentmentMoney": {"amount": "4.50", "currencyCode": "USD"}}

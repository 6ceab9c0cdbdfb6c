"""The demo shop's GraphQL endpoint: bad bodies and documents, the cost limit and the throttle bucket, a
read-only app's ACCESS_DENIED, and a mutation applied before an HTTP 500."""

from __future__ import annotations

import pytest

from deskapp.connectors.shopify_actions import DISCOUNT_MUTATION, DISCOUNT_QUERY
from deskapp.demo.shopify_api import MAX_AVAILABLE, MAX_QUERY_COST, ShopifyApi, _objects_returned
from deskapp.demo.state import DemoState
from tests.demo.conftest import PINNED_NOW

SMALL = {"query": "query { orders(first: 2) { nodes { id name } pageInfo { hasNextPage } } }"}
HUGE = {"query": "query { orders(first: 250) { nodes { id lineItems(first: 250) { nodes { id } } } } }"}


@pytest.fixture(scope="module")
def state() -> DemoState:
    return DemoState(seed=3, scale="small", now=PINNED_NOW)


@pytest.fixture
def api(state) -> ShopifyApi:
    return ShopifyApi(state)


def _discount(code: str) -> dict:
    return {"query": DISCOUNT_MUTATION, "variables": {"input": {
        "code": code, "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}}}}}


def test_a_query_answers_with_its_requested_and_actual_cost(api):
    status, body = api.execute(SMALL)
    assert status == 200 and len(body["data"]["orders"]["nodes"]) == 2
    cost = body["extensions"]["cost"]
    assert 0 < cost["actualQueryCost"] <= cost["requestedQueryCost"] <= MAX_QUERY_COST
    assert cost["throttleStatus"]["maximumAvailable"] == MAX_AVAILABLE
    # what was asked but not used goes back to the bucket
    assert cost["throttleStatus"]["currentlyAvailable"] >= MAX_AVAILABLE - cost["actualQueryCost"] - 1


@pytest.mark.parametrize("body", [{}, {"query": 5}, {"query": "query { shop }", "variables": [1]}])
def test_a_body_without_a_query_is_a_400(api, body):
    assert api.execute(body) == (400, {"errors": {"query": "Required parameter missing or invalid"}})


@pytest.mark.parametrize("query", ["query { orders(first: 2) { nodes { id }", "query { nosuchfield }",
                                   "query { orders { nodes { id } } }"])
def test_broken_or_invalid_documents_are_graphql_errors_not_crashes(api, query):
    status, body = api.execute({"query": query})
    assert status == 200 and body["errors"] and body.get("data") is None


def test_a_query_over_the_cost_limit_is_refused_whatever_the_bucket_holds(api):
    status, body = api.execute(HUGE)
    assert status == 200 and body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert body["errors"][0]["extensions"]["cost"] > MAX_QUERY_COST and "data" not in body


def test_an_empty_bucket_throttles_before_running_anything(api):
    status, body = api.execute(SMALL, bucket_override=0)
    assert status == 200 and body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert api.state.faults_injected["THROTTLED"] >= 1


def test_a_read_only_app_is_denied_each_mutation_field_but_may_read(api):
    status, body = api.execute(_discount("RO-1"), read_only=True)
    assert status == 200 and body["data"] == {"discountCodeBasicCreate": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "ACCESS_DENIED" and error["path"] == ["discountCodeBasicCreate"]
    assert api.execute(SMALL, read_only=True)[0] == 200
    found = api.execute({"query": DISCOUNT_QUERY, "variables": {"code": "RO-1"}})[1]
    assert found["data"]["codeDiscountNodeByCode"] is None


def test_a_mutation_can_land_and_still_answer_500(api):
    status, body = api.execute(_discount("LOST-1"), fail_after_apply=True)
    assert (status, body) == (500, {"errors": "Internal Server Error"})
    found = api.execute({"query": DISCOUNT_QUERY, "variables": {"code": "LOST-1"}})[1]
    assert found["data"]["codeDiscountNodeByCode"]["id"].startswith("gid://shopify/DiscountCodeNode/")


def test_the_actual_cost_counts_the_objects_returned():
    assert _objects_returned(None) == 0 and _objects_returned([]) == 0
    assert _objects_returned({"a": {"b": [{"id": 1}, {"id": 2}]}, "c": 3}) == 4

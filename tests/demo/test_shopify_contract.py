"""The Shopify schema the demo serves is a true subset of the published Admin API 2025-01 SDL, and the
queries a connector sends are valid against the published schema and answered in its shapes."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_ast_schema,
    build_schema,
    parse,
    validate,
)

from deskapp.connectors import shopify_actions as sa
from deskapp.connectors import shopify_mapping as sm
from deskapp.demo.shopify_schema import SDL
from tests.demo.conftest import DemoClient
from tests.demo.shopify_subset import PUBLISHED, derive_subset_sdl

ORDERS_QUERY = """
query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id legacyResourceId name createdAt updatedAt processedAt cancelledAt closedAt
        displayFinancialStatus displayFulfillmentStatus currencyCode email phone tags statusPageUrl
        totalPriceSet { shopMoney { amount currencyCode } }
        totalRefundedSet { shopMoney { amount } }
        customer { id email phone firstName lastName displayName updatedAt }
        lineItems(first: 10) { nodes { id title name quantity sku variantTitle
                                       originalUnitPriceSet { shopMoney { amount currencyCode } } } }
        fulfillments(first: 5) { id status displayStatus createdAt deliveredAt
                                 trackingInfo(first: 3) { number url company } }
        shippingAddress { city countryCodeV2 zip }
      }
    }
  }
}
"""
CUSTOMERS_QUERY = """
query Customers($after: String) {
  customers(first: 50, after: $after, sortKey: UPDATED_AT, query: "updated_at:>'2020-01-01T00:00:00Z'") {
    pageInfo { hasNextPage endCursor }
    nodes { id firstName lastName displayName email phone createdAt updatedAt numberOfOrders tags locale
            amountSpent { amount currencyCode } defaultAddress { city country }
            orders(first: 5, sortKey: CREATED_AT, reverse: true) { nodes { id name } } }
  }
}
"""


ACTION_OPERATIONS = (sa.ORDER_QUERY, sa.SUGGEST_QUERY, sa.REFUND_MUTATION, sa.CANCEL_MUTATION, sa.JOB_QUERY,
                     sa.ADDRESS_MUTATION, sa.DISCOUNT_MUTATION, sa.DISCOUNT_QUERY, sa.DRAFT_MUTATION,
                     sa.DRAFT_QUERY, sa.RETURN_ORDER_QUERY, sa.RETURN_MUTATION, sa.APPROVE_MUTATION)


@pytest.fixture(scope="module")
def published() -> tuple[GraphQLSchema, object]:
    document = parse(PUBLISHED.read_text())  # takes a few seconds: once per module
    return build_ast_schema(document, assume_valid_sdl=True), document


def test_served_schema_is_generated_from_the_published_file(published: tuple) -> None:
    _, document = published
    assert derive_subset_sdl(document) == SDL.lstrip("\n"), "rerun: python tests/demo/shopify_subset.py"


def test_every_served_type_and_field_exists_with_the_same_type(published: tuple) -> None:
    full, _ = published
    served = build_schema(SDL)
    checked = 0
    for name, stype in served.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        ftype = full.type_map.get(name)
        assert ftype is not None, f"{name} is not in the published schema"
        assert type(ftype) is type(stype), f"{name}: {type(stype).__name__} vs {type(ftype).__name__}"
        if isinstance(stype, GraphQLObjectType | GraphQLInterfaceType):
            for fname, field in stype.fields.items():
                assert fname in ftype.fields, f"{name}.{fname} is not published"
                published_field = ftype.fields[fname]
                assert str(field.type) == str(published_field.type), f"{name}.{fname}"
                for aname, arg in field.args.items():
                    assert aname in published_field.args, f"{name}.{fname}({aname})"
                    assert str(arg.type) == str(published_field.args[aname].type)
                    assert arg.default_value == published_field.args[aname].default_value
                checked += 1
        elif isinstance(stype, GraphQLEnumType):
            assert set(stype.values) <= set(ftype.values), name
        elif isinstance(stype, GraphQLInputObjectType):
            for fname, field in stype.fields.items():
                assert fname in ftype.fields, f"{name}.{fname} is not published"
                assert str(field.type) == str(ftype.fields[fname].type), f"{name}.{fname}"
            required = {f for f, v in ftype.fields.items() if str(v.type).endswith("!")}
            assert required <= set(stype.fields), f"{name} must serve its required fields {required}"
        else:
            assert isinstance(stype, GraphQLScalarType)
    assert checked > 100
    assert served.query_type is not None and served.query_type.name == full.query_type.name
    assert served.mutation_type is not None and served.mutation_type.name == full.mutation_type.name


def test_connector_queries_are_valid_against_the_published_schema(published: tuple) -> None:
    full, _ = published
    for query in (ORDERS_QUERY, CUSTOMERS_QUERY, *ACTION_OPERATIONS):
        assert validate(full, parse(query)) == []


def test_connector_order_actions_are_valid_against_the_served_subset() -> None:
    served = build_schema(SDL)
    for operation in (sm.ORDERS_QUERY, *ACTION_OPERATIONS):
        assert validate(served, parse(operation)) == []


def test_orders_answer_with_tracking_and_cost(client: DemoClient) -> None:
    r = client.graphql(ORDERS_QUERY, {"first": 20})
    assert r.status_code == 200
    body = r.json()
    assert "errors" not in body, body.get("errors")
    orders = body["data"]["orders"]
    assert len(orders["edges"]) == 20 and orders["pageInfo"]["hasNextPage"]
    node = orders["edges"][0]["node"]
    assert node["id"].startswith("gid://shopify/Order/") and node["name"].startswith("#")
    assert node["lineItems"]["nodes"] and node["customer"]["email"]
    tracked = [f for e in orders["edges"] for f in e["node"]["fulfillments"] if f["trackingInfo"]]
    assert tracked and tracked[0]["trackingInfo"][0]["url"].startswith("https://")
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] > 20 and cost["throttleStatus"]["maximumAvailable"] == 20000.0
    # the unused part of the requested cost is refunded, as Shopify does
    assert 0 < cost["actualQueryCost"] < cost["requestedQueryCost"]
    updated = [e["node"]["updatedAt"] for e in orders["edges"]]
    assert updated == sorted(updated)


def test_customers_answer(client: DemoClient) -> None:
    body = client.graphql(CUSTOMERS_QUERY).json()
    assert "errors" not in body, body.get("errors")
    nodes = body["data"]["customers"]["nodes"]
    assert len(nodes) == 50 and all(n["email"] and n["phone"].startswith("+") for n in nodes)


def test_single_lookups_and_bad_queries(client: DemoClient) -> None:
    body = client.graphql('{ order(id: "gid://shopify/Order/5000000003") { name customer { id } } }').json()
    assert body["data"]["order"]["name"] == "#1004"
    body = client.graphql('{ customer(id: "gid://shopify/Customer/1") { id } }').json()
    assert body["data"]["customer"] is None
    body = client.graphql('{ order(id: "nonsense") { name } }').json()
    assert body["errors"] and body["data"]["order"] is None
    body = client.graphql("{ orders { nodes { id } } }").json()  # neither first nor last
    assert "first or last" in body["errors"][0]["message"]
    body = client.graphql("{ orders(first: 10) { nodes { id shoeSize } } }").json()
    assert "shoeSize" in body["errors"][0]["message"] and "data" not in body
    body = client.graphql("{ orders(first: 10 ").json()
    assert body["errors"] and "Syntax Error" in body["errors"][0]["message"]
    r = client.session.post(client.url + "/admin/api/2025-01/graphql.json", timeout=10,
                            headers={"X-Shopify-Access-Token": "wrong"}, json={"query": "{ shop { name } }"})
    assert r.status_code == 401 and "errors" in r.json()
    r = client.session.post(client.url + "/admin/api/2025-01/graphql.json", timeout=10,
                            headers={"X-Shopify-Access-Token": client.info["shopify_token"]}, json={"q": 1})
    assert r.status_code == 400

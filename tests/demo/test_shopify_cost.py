"""demo.shopify_cost: a query's requested cost as Shopify computes it before running it (objects 1, scalars 0,
connections 2 + first/last x one item, nested connections multiply, pageInfo free), and the queries refused."""

from __future__ import annotations

import pytest
from graphql import GraphQLError, build_schema, parse

from deskapp.demo.shopify_cost import MAX_PAGE, requested_cost
from deskapp.demo.shopify_schema import SDL

SCHEMA = build_schema(SDL)


def cost(query: str, variables: dict | None = None, operation: str | None = None) -> int:
    return requested_cost(SCHEMA, parse(query), variables or {}, operation)


@pytest.mark.parametrize(("query", "expected"), [
    ("{ orders(first: 10) { nodes { id name } } }", 12),  # 2 + 10 x (the node 1, scalars 0)
    ("{ orders(last: 3) { nodes { id } } }", 5),
    ("{ orders(first: 2) { pageInfo { hasNextPage endCursor } nodes { id } } }", 4),  # pageInfo is free
    ("{ customers(first: 4) { edges { cursor node { id } } } }", 6),  # edges cost like nodes
    ("{ order(id: \"gid://shopify/Order/1\") { id customer { id displayName } } }", 2),
    ("{ orders(first: 5) { nodes { id customer { id } lineItems(first: 3) { nodes { id } } } } }", 37),
    ("{ orders(first: 0) { nodes { id } } }", 2),
    ("{ __typename orders(first: 1) { nodes { id } } }", 3),  # introspection fields cost nothing
])
def test_requested_cost_follows_shopifys_rules(query, expected):
    assert cost(query) == expected


def test_variables_fragments_and_the_named_operation_are_followed():
    query = """
        query Small { orders(first: 1) { nodes { id } } }
        query Page($n: Int) { orders(first: $n) { nodes { ...Parts } } }
        fragment Parts on Order { customer { id } ... on Order { lineItems(first: 2) { nodes { id } } } }
    """
    assert cost(query, {"n": 20}, "Page") == 2 + 20 * (1 + 1 + (2 + 2 * 1))
    assert cost(query, {}, "Small") == 3
    assert cost(query, {}, None) == 3  # no name given: the first operation


@pytest.mark.parametrize(("query", "variables", "message"), [
    ("{ orders { nodes { id } } }", {}, "you must provide one of first or last"),
    (f"{{ orders(first: {MAX_PAGE + 1}) {{ nodes {{ id }} }} }}", {}, "integer from 0 to 250"),
    ("query($n: Int) { orders(first: $n) { nodes { id } } }", {"n": -1}, "integer from 0 to 250"),
    ("query($n: Int) { orders(first: $n) { nodes { id } } }", {"n": "ten"}, "integer from 0 to 250"),
    ("query($n: Int) { orders(first: $n) { nodes { id } } }", {}, "you must provide one of first or last"),
])
def test_a_page_size_shopify_refuses_is_an_error_not_a_cost(query, variables, message):
    with pytest.raises(GraphQLError, match=message):
        cost(query, variables)


def test_a_document_without_the_asked_operation_is_refused():
    with pytest.raises(GraphQLError, match="no operation to run"):
        cost("query A { orders(first: 1) { nodes { id } } }", {}, "B")
    with pytest.raises(GraphQLError, match="no operation to run"):
        cost("fragment F on Order { id }")

"""A Shopify mutation whose answer never came is not sent again in the same pass (the shop may still apply
it): a timeout, a dropped answer or a gateway timeout end the push as OutcomeUnknown with a wait longer
than a request; an answered 500 is looked up and retried at once; a connection never made is retried."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from deskapp.connectors.base import TransientError
from deskapp.connectors.http import OutcomeUnknown, unknown_outcome_wait
from deskapp.connectors.shopify import ShopifyConnector
from deskapp.domain import OutboxItem, OutboxKind
from tests.connectors.scripted_server import Reply

GQL = "/admin/api/2025-01/graphql.json"
ORDER = "gid://shopify/Order/7"
ADDRESS = {"address1": "12 Rue Lafayette", "city": "Paris", "zip": "75009", "countryCode": "FR"}
DONE = {"data": {"orderUpdate": {"order": {"id": ORDER, "shippingAddress": {}}, "userErrors": []}}}
SHOWN = {"data": {"order": {"id": ORDER, "name": "#1007", "shippingAddress": {
    "address1": "12 Rue Lafayette", "city": "Paris", "zip": "75009", "countryCodeV2": "FR"}}}}


def _item(attempts: int = 0) -> OutboxItem:
    return OutboxItem("c-1", 2, ORDER, OutboxKind.ORDER_ADDRESS, {"order_id": ORDER, "address": ADDRESS},
                      datetime(2026, 3, 1, tzinfo=UTC), attempts=attempts)


@pytest.fixture
def shop(server, make_http):
    return ShopifyConnector(server.url, "shpat_x", http=make_http({"X-Shopify-Access-Token": "shpat_x"},
                                                                   max_attempts=3))


@pytest.mark.parametrize("lost", [Reply(200, DONE, delay=1.5), Reply(200, DONE, reset_mid_body=True),
                                  Reply(504, "Gateway Timeout")], ids=["timeout", "reset", "gateway"])
def test_a_lost_answer_is_not_resent_in_the_same_pass(server, shop, lost):
    server.script("POST", GQL, lost, Reply(200, DONE))
    with pytest.raises(OutcomeUnknown) as raised:
        shop.push(_item())
    assert len(server.requests_to(GQL)) == 1  # sent once; nothing more in this pass
    assert raised.value.retry_after == unknown_outcome_wait((1.0, 1.0)) == 3.0  # longer than a request


def test_the_next_pass_looks_it_up_first_and_does_not_send_it_again(server, shop):
    server.script("POST", GQL, Reply(200, SHOWN))
    result = shop.push(_item(attempts=1))
    assert result.ok and len(server.requests_to(GQL)) == 1  # the look-up only


def test_an_answered_500_is_looked_up_and_retried_in_the_same_pass(server, shop):
    changed = {"data": {"order": {"id": ORDER, "name": "#1007", "shippingAddress": {"city": "Lyon"}}}}
    server.script("POST", GQL, Reply(500, {"errors": "Internal Server Error"}), Reply(200, changed), Reply(200, DONE))
    assert shop.push(_item()).ok
    assert len(server.requests_to(GQL)) == 3  # the 500, the look-up (not there), the second send


def test_a_connection_never_made_is_an_ordinary_transient_error(make_http):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    shop = ShopifyConnector(url, "shpat_x", http=make_http({"X-Shopify-Access-Token": "shpat_x"}, max_attempts=2))
    shop.http.base_url = url
    with pytest.raises(TransientError) as raised:
        shop.push(_item())
    assert not isinstance(raised.value, OutcomeUnknown)

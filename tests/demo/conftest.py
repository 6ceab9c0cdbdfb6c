"""Fixtures for the demo backend tests: a running DemoServer (pinned clock, no live traffic) and a client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from deskapp.demo.server import DemoServer

# a fixed "now" (2025-06-02 12:00 UTC) so the seeded history is the same on every run
PINNED_NOW = 1748865600


class DemoClient:
    """Just enough HTTP client to talk to the demo server like a connector would."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.url = info["url"]
        self.acc = f"/api/v1/accounts/{info['chatwoot_account_id']}"
        self.session = requests.Session()
        self.headers = {"api_access_token": info["chatwoot_token"]}

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.url + path, headers=self.headers, params=params, timeout=30)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.session.post(self.url + path, headers=self.headers, json=body, timeout=30, **kw)

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> requests.Response:
        headers = self.headers if token is None else {"api_access_token": token}
        return self.session.request(method, self.url + path, headers=headers, json=body, timeout=30)

    def customer_writes(self, conv_id: int, content: str) -> requests.Response:
        """The customer's side of a conversation (the API itself refuses incoming messages on these inboxes)."""
        return self.session.post(f"{self.url}/demo/conversations/{conv_id}/incoming", json={"content": content},
                                 timeout=30)

    def graphql(self, query: str, variables: dict | None = None) -> requests.Response:
        return self.session.post(self.url + "/admin/api/2025-01/graphql.json", timeout=30,
                                 headers={"X-Shopify-Access-Token": self.info["shopify_token"]},
                                 json={"query": query, "variables": variables or {}})


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    """A read-mostly server shared by a module's tests."""
    srv = DemoServer(seed=7, scale="small", live=False, now=PINNED_NOW)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def fresh() -> Iterator[DemoServer]:
    """A server of one's own, for tests that change things or flip faults."""
    srv = DemoServer(seed=3, scale="small", live=False, now=PINNED_NOW)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client(demo: DemoServer) -> DemoClient:
    return DemoClient(demo.info())


@pytest.fixture
def fresh_client(fresh: DemoServer) -> DemoClient:
    return DemoClient(fresh.info())

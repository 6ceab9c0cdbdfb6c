"""Fixtures for connector tests: a scripted loopback server and clients whose backoff sleeps are recorded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskapp.connectors.http import HttpClient
from tests.connectors.scripted_server import ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


class SleepLog(list):
    """Stands in for time.sleep: records each backoff delay instead of waiting it out."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


@pytest.fixture
def make_http(server: ScriptedServer, sleeps: SleepLog):
    clients: list[HttpClient] = []

    def make(headers: dict[str, str] | None = None, **kw) -> HttpClient:
        kw.setdefault("timeout", (1.0, 1.0))
        client = HttpClient(server.url, headers or {}, sleep=sleeps, **kw)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()

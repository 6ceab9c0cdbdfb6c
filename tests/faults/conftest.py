"""Fixtures of the offline fault suite: a real demo server on 127.0.0.1, stopped after each test."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo_server():
    from deskapp.demo.server import DemoServer

    server = DemoServer(seed=1, scale="small", live=False, port=0, host="127.0.0.1")
    info = server.start()
    try:
        yield server, info
    finally:
        server.stop()


def trim_world(server, conversations: int) -> None:
    """Keep only the first ``conversations`` of the demo world (ids stay 1..n), so a full pull takes
    seconds instead of minutes; the property test pulls from scratch."""
    state = server.state
    with state.lock:
        del state.world.conversations[conversations:]
        state.csat = [r for r in state.csat if r["conversation_id"] <= conversations]
        state.version += 1


@pytest.fixture(scope="module")
def demo_server_module():
    """A demo server trimmed to 40 conversations, shared by one module's tests."""
    from deskapp.demo.server import DemoServer
    from tests.faults.stack import customers_write_back

    server = DemoServer(seed=1, scale="small", live=False, port=0, host="127.0.0.1")
    info = server.start()
    trim_world(server, 40)
    customers_write_back(server, 10)
    try:
        yield server, info
    finally:
        server.stop()

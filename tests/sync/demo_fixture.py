"""A demo server (no live traffic, so its counts stay put) for the sync tests, stopped however the test ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from deskapp.demo.server import DemoServer


@contextmanager
def fast_demo_server(seed: int, scale: str = "small") -> Iterator[tuple[DemoServer, dict]]:
    server = DemoServer(seed=seed, scale=scale, live=False)
    try:
        info = server.start()
        yield server, info
    finally:
        server.stop()

"""A demo server for the sync tests, with two test-only speed-ups that are undone when it stops.

1. The demo server writes headers and body in two sends; with Nagle's algorithm on, every keep-alive
   answer waits for the client's delayed ACK (~40 ms a request, minutes for a full sync).
2. The demo shop refills its cost bucket at 100 points/s and an orders page costs ~760 points:
   ~7.5 s a page, ten minutes for the small shop. Throttling is the connectors' own test subject;
   here it would only slow the end-to-end picture.
Both are reported to the lead; the patches are scoped to the server's lifetime so other tests
(throttling ones included) see the demo server exactly as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from deskapp.demo import server as demo_server
from deskapp.demo import shopify_api as demo_shopify
from deskapp.demo.server import DemoServer


@contextmanager
def fast_demo_server(seed: int, scale: str = "small") -> Iterator[tuple[DemoServer, dict]]:
    saved = (getattr(demo_server._Handler, "disable_nagle_algorithm", False), demo_shopify.RESTORE_RATE)
    demo_server._Handler.disable_nagle_algorithm = True
    demo_shopify.RESTORE_RATE = 1_000_000.0
    server = DemoServer(seed=seed, scale=scale, live=False)
    try:
        info = server.start()
        yield server, info
    finally:
        server.stop()
        demo_server._Handler.disable_nagle_algorithm, demo_shopify.RESTORE_RATE = saved

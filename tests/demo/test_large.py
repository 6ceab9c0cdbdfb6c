"""`--scale large`: 100k conversations and about a million messages, built compactly (messages derived on
request), starting in seconds and answering pages quickly."""

from __future__ import annotations

import time

import psutil
import pytest

from deskapp.demo.server import DemoServer
from tests.demo.conftest import PINNED_NOW, DemoClient


@pytest.mark.slow
def test_large_scale_is_compact_and_quick() -> None:
    rss_before = psutil.Process().memory_info().rss
    started = time.monotonic()
    srv = DemoServer(seed=1, scale="large", live=False, now=PINNED_NOW)
    info = srv.start()
    startup = time.monotonic() - started
    grown = psutil.Process().memory_info().rss - rss_before
    try:
        counts = info["counts"]
        assert counts["conversations"] == 100_000 and counts["messages"] >= 1_000_000
        assert startup < 90, startup  # ~12 s on a quiet 2-core machine
        assert grown < 400 * 2**20, grown / 2**20  # no million message dicts held in memory
        c = DemoClient(info)
        t = time.monotonic()
        first = c.get(c.acc + "/conversations", status="all").json()["data"]
        assert first["meta"]["all_count"] == 100_000 and len(first["payload"]) == 25
        for page in (2, 3, 4000):
            assert len(c.get(c.acc + "/conversations", status="all", page=page).json()["data"]["payload"]) == 25
        assert time.monotonic() - t < 30
        conv = srv.state.conversation(76_543)
        msgs = c.get(f"{c.acc}/conversations/{conv.id}/messages", after=0).json()["payload"]
        assert [m["id"] for m in msgs] == list(range(conv.msg_base, conv.msg_base + conv.n_seeded))
        assert len(srv.state._seeded_cache) <= 4096
    finally:
        srv.stop()

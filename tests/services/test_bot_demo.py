"""`deskapp --demo --bot` (make demo BOT=1): the desktop's demo workspace starts the bot beside its hub, and a
customer's "where is my order #1234?" is answered within seconds, live."""

from __future__ import annotations

import time

import pytest

from deskapp.services import demo_workspace
from tests.demo.conftest import PINNED_NOW


@pytest.fixture
def ws_plain(data_dir, db, profile):
    from deskapp.bootstrap import Workspace
    from deskapp.paths import resolve_paths
    from deskapp.services.profile_secrets import secret_store

    return Workspace(paths=resolve_paths(data_dir).ensure(), db=db, secrets=secret_store(profile), profile=profile)


def test_the_demo_with_the_bot_answers_a_live_where_is_my_order_within_seconds(ws_plain):
    demo = demo_workspace.start_demo(ws_plain, live=False, now=PINNED_NOW, bot=True)
    try:
        state = demo.server.state
        order = state.orders[1234 - 1001]
        started = time.monotonic()

        def answered():
            with state.lock:
                return [m for c in state.conversations[-3:] for m in state.messages(c)
                        if m["sender_type"] == "agent_bot" and order.name in (m["content"] or "")]

        while not answered() and time.monotonic() - started < 30:
            time.sleep(0.2)
        [answer] = answered()
        assert order.tracking_url in answer["content"]
        assert time.monotonic() - started < 15  # asked after 3 s; answered within seconds of that
    finally:
        demo.stop()

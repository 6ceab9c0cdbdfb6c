"""The hubs' live events fan-out: a subscriber hears its own workspace's sockets (or every one when it names
none), a failing subscriber does not silence the others, and unsubscribing stops the calls."""

from __future__ import annotations

import logging

from deskapp.services import live_events


def test_a_subscriber_of_one_source_hears_only_that_source():
    agent_cache, supervisor_cache = object(), object()  # two workspaces in one process, both with account 1
    heard: dict[str, list[tuple[int, str]]] = {"agent": [], "supervisor": [], "all": []}
    stops = [live_events.subscribe(lambda a, n, _d: heard["agent"].append((a, n)), source=agent_cache),
             live_events.subscribe(lambda a, n, _d: heard["supervisor"].append((a, n)), source=supervisor_cache),
             live_events.subscribe(lambda a, n, _d: heard["all"].append((a, n)))]
    try:
        live_events.publish(1, "conversation.typing_on", {}, source=supervisor_cache)
        live_events.publish(1, "presence.update", {}, source=agent_cache)
        live_events.publish(1, "message.created", {})  # no source: only those that hear every one
    finally:
        for stop in stops:
            stop()
    assert heard["agent"] == [(1, "presence.update")]
    assert heard["supervisor"] == [(1, "conversation.typing_on")]
    assert heard["all"] == [(1, "conversation.typing_on"), (1, "presence.update"), (1, "message.created")]


def test_a_failing_subscriber_is_logged_and_the_others_still_hear(caplog):
    source, heard = object(), []

    def broken(_a, _n, _d):
        raise RuntimeError("boom")

    stops = [live_events.subscribe(broken, source=source),
             live_events.subscribe(lambda a, n, _d: heard.append(n), source=source)]
    with caplog.at_level(logging.ERROR, logger="deskapp.services.live_events"):
        live_events.publish(3, "message.created", {}, source=source)
    for stop in stops:
        stop()
    stops[1]()  # a second stop is harmless
    live_events.publish(3, "message.created", {}, source=source)
    assert heard == ["message.created"]
    assert "failed on message.created" in caplog.text

"""The ActionCable client's pure parts: the socket URL of a hub and the reconnect waits."""

from __future__ import annotations

import random

import pytest

from deskapp.connectors.chatwoot_cable import backoff_delays, cable_url


def test_cable_url_is_wss_for_an_https_hub_and_keeps_a_path_prefix():
    assert cable_url("https://hub.example.com") == "wss://hub.example.com/cable"
    assert cable_url("https://hub.example.com/chat/") == "wss://hub.example.com/chat/cable"
    assert cable_url("http://127.0.0.1:3000") == "ws://127.0.0.1:3000/cable"
    with pytest.raises(ValueError):
        cable_url("ftp://hub.example.com")


def test_backoff_doubles_to_the_cap_with_jitter_in_its_upper_half():
    waits = backoff_delays(1.0, 30.0, random.Random(4))
    drawn = [next(waits) for _ in range(10)]
    for attempt, wait in enumerate(drawn):
        full = min(30.0, 2 ** attempt)
        assert full / 2 <= wait <= full
    assert len(set(drawn)) == len(drawn)  # two clients dropped together do not come back together

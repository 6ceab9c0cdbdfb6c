"""The hub's push channel end to end: the demo hub's real /cable socket over loopback, the ActionCable client,
the engine's ingest. Events land exactly once, bad frames are ignored, a blocked socket falls back to polling,
a reconnect pulls what was missed, a hub killed mid-stream is survived."""

from __future__ import annotations

import json
import logging
import shutil
import ssl
import subprocess
import threading
import time

import pytest
from websockets.sync.server import serve

from deskapp.connectors.chatwoot_cable import CableClient
from deskapp.demo.server import DemoServer
from deskapp.services import live_events
from tests.demo.conftest import PINNED_NOW
from tests.sync.live_fixture import (
    customer_writes,
    message_rows,
    start_live,
    synced_copy,
    synced_hub,
    wait_for,
)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A demo hub (pinned clock, no traffic of its own) and a cache synced with it once, to copy per test."""
    yield from synced_hub(tmp_path_factory.mktemp("live") / "template.sqlite3", seed=5)


@pytest.fixture
def cache(hub, tmp_path):
    server, _info, template, _account_id = hub
    server.set_faults()
    db = synced_copy(template, tmp_path / "cache.sqlite3")
    yield db
    db.close()


@pytest.fixture
def told():
    events: list[tuple[int, str, object]] = []
    stop = live_events.subscribe(lambda a, name, data: events.append((a, name, data)))
    yield events
    stop()


def test_a_customer_message_arrives_by_the_socket_once(hub, cache, told):
    server, info, _template, account_id = hub
    engine, live = start_live(cache, account_id, info)  # no polling: only the socket can bring it
    try:
        wait_for(lambda: live.is_live(account_id) and engine.is_live(account_id))
        message_id = customer_writes(server, 7, "Is my parcel on its way?")
        wait_for(lambda: message_rows(cache, account_id, message_id))
        engine.sync_account_once(account_id)  # a full pass afterwards finds it held already
        assert message_rows(cache, account_id, message_id) == 1
        names = [name for _a, name, _d in told]
        assert "message.created" in names and "presence.update" in names
        assert (account_id, live_events.CABLE_STATE, {"live": True, "reason": "subscribed"}) in told
        created = next(d for _a, n, d in told if n == "message.created" and d["id"] == message_id)
        assert created["conversation_id"] == 7 and created["account_id"] == info["chatwoot_account_id"]
    finally:
        live.stop()
        engine.stop()


def test_typing_of_another_agent_is_told_to_subscribers(hub, cache, told):
    _server, info, _template, account_id = hub
    engine, live = start_live(cache, account_id, info)
    try:
        wait_for(lambda: live.is_live(account_id))
        import requests

        supervisor = info["supervisor_token"]
        url = f"{info['url']}/api/v1/accounts/{info['chatwoot_account_id']}/conversations/9/toggle_typing_status"
        assert requests.post(url, json={"typing_status": "on"}, headers={"api_access_token": supervisor},
                             timeout=5).status_code == 200
        on = wait_for(lambda: [d for _a, n, d in told if n == "conversation.typing_on"])[0]
        assert on["conversation"]["id"] == 9 and on["user"]["id"] == 1 and on["is_private"] is False
    finally:
        live.stop()
        engine.stop()


def test_blocked_socket_falls_back_to_polling(hub, cache):
    server, info, _template, account_id = hub
    server.set_faults(cable_blocked=True)
    engine, live = start_live(cache, account_id, info, interval=0.3)
    try:
        message_id = customer_writes(server, 11, "Hello, anyone there?")
        wait_for(lambda: message_rows(cache, account_id, message_id))
        assert not live.is_live(account_id) and not engine.is_live(account_id)
        assert message_rows(cache, account_id, message_id) == 1
    finally:
        live.stop()
        engine.stop()


def test_reconnect_pulls_what_the_socket_missed(hub, cache, told):
    server, info, _template, account_id = hub
    engine, live = start_live(cache, account_id, info)  # no timed polling at all
    try:
        wait_for(lambda: engine.is_live(account_id))
        server.set_faults(cable_blocked=True)  # the socket drops; the engine polls once at once, then waits
        wait_for(lambda: not engine.is_live(account_id))
        wait_for(lambda: not engine._wanted)  # that one pass has started
        engine.sync_account_once(account_id)  # and is over (the account lock waits for it)
        message_id = customer_writes(server, 13, "I wrote while you were away")
        time.sleep(0.5)
        assert message_rows(cache, account_id, message_id) == 0  # the next timed poll is an hour away
        server.set_faults()
        wait_for(lambda: message_rows(cache, account_id, message_id))  # the catch-up pass after the reconnect
        assert message_rows(cache, account_id, message_id) == 1
        states = [d["live"] for _a, n, d in told if n == live_events.CABLE_STATE]
        assert states[:3] == [True, False, True]
    finally:
        live.stop()
        engine.stop()


def test_hub_killed_mid_stream_then_back(hub, tmp_path, told):
    _server, info, template, account_id = hub
    db = synced_copy(template, tmp_path / "cache.sqlite3")
    second = DemoServer(seed=5, live=True, live_interval=0.05, now=PINNED_NOW)
    info2 = second.start()
    port = int(info2["url"].rsplit(":", 1)[1])
    engine, live = start_live(db, account_id, dict(info, url=info2["url"]))
    try:
        wait_for(lambda: engine.is_live(account_id))
        wait_for(lambda: sum(1 for _a, n, _d in told if n == "message.created") >= 3)
        second.stop()  # mid-stream: events were flowing
        wait_for(lambda: not engine.is_live(account_id))
        third = DemoServer(seed=5, live=False, now=PINNED_NOW, port=port)
        third.start()
        try:
            wait_for(lambda: engine.is_live(account_id), timeout=30)
            message_id = customer_writes(third, 3, "Back again")
            wait_for(lambda: message_rows(db, account_id, message_id))
        finally:
            live.stop()
            third.stop()
    finally:
        live.stop()
        engine.stop()
        db.close()


def _scripted_cable(frames: list[str]):
    """A socket that greets, confirms, sends `frames` and stays open (what a buggy or newer hub might send)."""
    def handler(ws):
        ws.send(json.dumps({"type": "welcome"}))
        json.loads(ws.recv())  # the subscribe command
        ws.send(json.dumps({"identifier": "x", "type": "confirm_subscription"}))
        for frame in frames:
            ws.send(frame)
        for _ in ws:
            pass

    return serve(handler, "127.0.0.1", 0)


def test_malformed_frames_and_unknown_events_are_logged_and_ignored(caplog):
    frames = ["not json {", "[1, 2]", json.dumps({"type": "surprise"}),
              json.dumps({"identifier": "x", "message": {"data": {}}}),
              json.dumps({"identifier": "x", "message": {"event": "conversation.exploded", "data": {"id": 1}}}),
              json.dumps({"identifier": "x", "message": {"event": "message.created", "data": {"id": 42}}})]
    events, live = [], threading.Event()
    with _scripted_cable(frames) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        with caplog.at_level(logging.WARNING, logger="deskapp.connectors.chatwoot_cable"):
            client = CableClient(f"ws://127.0.0.1:{port}/cable", 3, lambda: {"id": 2, "pubsub_token": "t"},
                                 on_event=lambda n, d: events.append((n, d)),
                                 on_state=lambda up, _why: up and live.set()).start()
            try:
                wait_for(lambda: len(events) == 2)
            finally:
                client.stop()
                server.shutdown()
    assert live.is_set() and client.connects == 1  # the socket stayed up through every bad frame
    assert events == [("conversation.exploded", {"id": 1}), ("message.created", {"id": 42})]
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "not JSON" in warned and "not an object" in warned and "'surprise'" in warned
    assert "without an event name" in warned


def test_a_profile_without_pubsub_token_is_refused_and_retried():
    states: list[tuple[bool, str]] = []
    calls = []

    def profile():
        calls.append(1)
        return {"id": 2}

    client = CableClient("ws://127.0.0.1:9/cable", 3, profile, on_event=lambda n, d: None,
                         on_state=lambda up, why: states.append((up, why)), base_delay=0.01, max_delay=0.02)
    client.start()
    try:
        wait_for(lambda: len(calls) >= 3)  # it keeps trying (the token may come back), never crashes
    finally:
        client.stop()
    assert not client.live and states == []  # never live, so nothing to tell


def _self_signed(tmp_path):
    cert, key = tmp_path / "hub.pem", tmp_path / "hub.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "30", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_wss_verifies_the_hubs_certificate(tmp_path, caplog):
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)

    def handler(ws):
        ws.send(json.dumps({"type": "welcome"}))
        ws.recv()
        ws.send(json.dumps({"identifier": "x", "type": "confirm_subscription"}))
        for _ in ws:
            pass

    with serve(handler, "127.0.0.1", 0, ssl=server_tls) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"wss://127.0.0.1:{server.socket.getsockname()[1]}/cable"
        profile = lambda: {"id": 2, "pubsub_token": "t"}  # noqa: E731
        with caplog.at_level(logging.INFO, logger="deskapp.connectors.chatwoot_cable"):
            untrusted = CableClient(url, 3, profile, on_event=lambda n, d: None, on_state=lambda up, why: None,
                                    base_delay=0.05, max_delay=0.1).start()
            trusted = CableClient(url, 3, profile, on_event=lambda n, d: None, on_state=lambda up, why: None,
                                  ssl_context=ssl.create_default_context(cafile=str(cert))).start()
            try:
                wait_for(lambda: trusted.live)
                time.sleep(0.5)
                assert not untrusted.live and untrusted.connects == 0  # a certificate nobody vouches for
                assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
            finally:
                untrusted.stop()
                trusted.stop()
                server.shutdown()

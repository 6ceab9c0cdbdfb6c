"""The reports API v2 connector over real loopback HTTP: the demo hub's figures for a hand-built state, and the
bad answers (refusal of a non-administrator, revoked token, 5xx, malformed bodies, timeouts)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskapp.connectors.base import AuthError, PayloadError, TransientError
from deskapp.connectors.chatwoot_reports import ChatwootReports, GroupFigures, Point, ReportsRefused
from deskapp.connectors.http import HttpClient
from deskapp.demo.server import DemoServer
from tests.connectors.scripted_server import Reply, ScriptedServer
from tests.demo.reports_state import EXPECTED_SUMMARY, T0, WINDOW, hand_built_hub

SUMMARY_PATH = "/api/v2/accounts/3/reports/summary"


@pytest.fixture(scope="module")
def hub() -> Iterator[DemoServer]:
    with hand_built_hub() as (server, _):
        yield server


def reports(url: str, token: str, sleeps: list | None = None, **kw) -> ChatwootReports:
    http = HttpClient(url, {"api_access_token": token}, sleep=(sleeps if sleeps is not None else []).append,
                      max_attempts=3, timeout=kw.pop("timeout", (1.0, 20.0)))
    return ChatwootReports(http, 3)


def test_summary_and_previous(hub: DemoServer) -> None:
    current, previous = reports(hub.url, hub.info()["supervisor_token"]).summary(*WINDOW)
    assert current == EXPECTED_SUMMARY
    assert previous == dict.fromkeys(EXPECTED_SUMMARY, 0)


def test_group_summaries_and_timeseries(hub: DemoServer) -> None:
    client = reports(hub.url, hub.info()["supervisor_token"])
    assert client.group_summaries("team", *WINDOW) == [GroupFigures(1, 1, 1, 3600.0, 600.0, 900.0),
                                                        GroupFigures(2, 1, 0, None, 240.0, None)]
    assert client.timeseries("avg_first_response_time", *WINDOW, group_by="hour") == [
        Point(T0, 420.0, 2), Point(T0 + 3600, 0.0, 0)]
    assert client.summary(*WINDOW, type="team", id=2)[0]["avg_first_response_time"] == 240.0
    assert client.live_counts()["open"] >= 1
    with pytest.raises(ValueError):
        client.summary(T0, T0)  # an empty range is a caller's mistake, not a request


def test_a_non_administrator_is_refused_and_a_revoked_token_is_an_auth_error(hub: DemoServer) -> None:
    with pytest.raises(ReportsRefused):
        reports(hub.url, hub.info()["chatwoot_token"]).summary(*WINDOW)
    try:
        hub.set_faults(revoke_tokens=True, scope="chatwoot")
        with pytest.raises(AuthError) as caught:
            reports(hub.url, hub.info()["supervisor_token"]).summary(*WINDOW)
        assert not isinstance(caught.value, ReportsRefused)
    finally:
        hub.set_faults()


def test_server_errors_are_retried_then_transient(hub: DemoServer) -> None:
    sleeps: list[float] = []
    try:
        hub.set_faults(outage=True, scope="chatwoot")
        with pytest.raises(TransientError):
            reports(hub.url, hub.info()["supervisor_token"], sleeps).summary(*WINDOW)
        assert len(sleeps) == 2  # three attempts, two backoffs
    finally:
        hub.set_faults()


def test_truncated_body_is_a_payload_error(hub: DemoServer) -> None:
    try:
        hub.set_faults(truncate_json=True, scope="chatwoot")
        with pytest.raises(PayloadError):
            reports(hub.url, hub.info()["supervisor_token"]).summary(*WINDOW)
    finally:
        hub.set_faults()


def test_a_hanging_hub_times_out(hub: DemoServer) -> None:
    try:
        hub.set_faults(hang_s=2.0, scope="chatwoot")
        with pytest.raises(TransientError):
            reports(hub.url, hub.info()["supervisor_token"], timeout=(1.0, 0.3)).summary(*WINDOW)
    finally:
        hub.set_faults()


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize("body", [
    [],  # a list where an object belongs
    {"conversations_count": 1},  # figures missing
    {**EXPECTED_SUMMARY, "reply_time": "soon", "previous": EXPECTED_SUMMARY},  # not a number
    {**EXPECTED_SUMMARY, "conversations_count": -3, "previous": EXPECTED_SUMMARY},  # not a count
    {**EXPECTED_SUMMARY, "previous": None},  # no previous period
])
def test_malformed_summaries_are_payload_errors(scripted: ScriptedServer, body: object) -> None:
    scripted.script("GET", SUMMARY_PATH, Reply(200, body))
    with pytest.raises(PayloadError):
        reports(scripted.url, "t").summary(*WINDOW)


def test_big_decimal_strings_are_read_as_numbers(scripted: ScriptedServer) -> None:
    as_strings = {**EXPECTED_SUMMARY, "avg_first_response_time": "420.0", "reply_time": "900.0"}
    scripted.script("GET", SUMMARY_PATH, Reply(200, {**as_strings, "previous": as_strings}))
    current, _ = reports(scripted.url, "t").summary(*WINDOW)
    assert current["avg_first_response_time"] == 420.0
    sent = scripted.requests_to(SUMMARY_PATH)[0]
    assert (sent.arg("since"), sent.arg("until"), sent.arg("type")) == (str(WINDOW[0]), str(WINDOW[1]), "account")


def test_a_403_refusal_is_read_like_chatwoots_401(scripted: ScriptedServer) -> None:
    scripted.script("GET", SUMMARY_PATH, Reply(403, {"error": "You are not authorized to do this action"}))
    with pytest.raises(ReportsRefused):
        reports(scripted.url, "t").summary(*WINDOW)

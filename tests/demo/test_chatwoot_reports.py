"""The demo hub's reports API v2 over real HTTP: the figures Chatwoot's definitions give for a hand-built state
and its refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from deskapp.demo.server import DemoServer
from tests.demo.reports_state import EXPECTED_SUMMARY, T0, WINDOW, hand_built_hub


@pytest.fixture(scope="module")
def hub() -> Iterator[tuple[DemoServer, dict]]:
    with hand_built_hub() as built:
        yield built


def _get(server: DemoServer, path: str, token: str | None = None, **params: object) -> requests.Response:
    info = server.info()
    token = token or info["supervisor_token"]
    return requests.get(f"{info['url']}/api/v2/accounts/{info['chatwoot_account_id']}{path}",
                        headers={"api_access_token": token}, params=params, timeout=30)


def test_summary_follows_the_reporting_events(hub) -> None:
    server, _ = hub
    body = _get(server, "/reports/summary", type="account", since=WINDOW[0], until=WINDOW[1]).json()
    previous = body.pop("previous")
    assert body == EXPECTED_SUMMARY
    # the two hours before: after the seeded history's end and before T0, nothing happened
    assert previous == dict.fromkeys(EXPECTED_SUMMARY, 0)


def test_agent_summary_counts_what_the_agent_sent_and_was_credited(hub) -> None:
    server, _ = hub
    body = _get(server, "/reports/summary", type="agent", id=2, since=WINDOW[0], until=WINDOW[1]).json()
    assert {k: v for k, v in body.items() if k != "previous"} == {
        "conversations_count": 1, "incoming_messages_count": 0, "outgoing_messages_count": 2,
        "avg_first_response_time": 600.0, "avg_resolution_time": 3600.0, "resolutions_count": 1, "reply_time": 900.0}


def test_range_is_since_inclusive_until_exclusive(hub) -> None:
    server, _ = hub
    # A is created at T0 exactly, B at T0 + 100: until=T0+100 keeps A and leaves B out
    body = _get(server, "/reports/summary", type="account", since=T0, until=T0 + 100).json()
    assert body["conversations_count"] == 1
    assert _get(server, "/reports/summary", type="account").json()["conversations_count"] == 0  # no range


def test_team_and_inbox_summaries(hub) -> None:
    server, _ = hub
    teams = _get(server, "/summary_reports/team", since=WINDOW[0], until=WINDOW[1]).json()
    assert teams == [
        {"id": 1, "conversations_count": 1, "resolved_conversations_count": 1, "avg_resolution_time": 3600.0,
         "avg_first_response_time": 600.0, "avg_reply_time": 900.0},
        {"id": 2, "conversations_count": 1, "resolved_conversations_count": 0, "avg_resolution_time": None,
         "avg_first_response_time": 240.0, "avg_reply_time": None}]
    inboxes = {r["id"]: r for r in _get(server, "/summary_reports/inbox", since=WINDOW[0], until=WINDOW[1]).json()}
    assert inboxes[1]["conversations_count"] == 2 and inboxes[2]["avg_first_response_time"] == 240.0
    assert inboxes[3]["conversations_count"] == 0 and inboxes[3]["avg_reply_time"] is None
    agents = {r["id"]: r for r in _get(server, "/summary_reports/agent", since=WINDOW[0], until=WINDOW[1]).json()}
    assert agents[3]["avg_first_response_time"] == 240.0 and agents[3]["conversations_count"] == 1
    assert len(agents) == len(server.state.world.agents)


def test_timeseries_fills_every_period(hub) -> None:
    server, _ = hub
    counts = _get(server, "/reports", metric="conversations_count", type="account", group_by="hour",
                  since=WINDOW[0], until=WINDOW[1]).json()
    assert counts == [{"value": 3, "timestamp": T0}, {"value": 0, "timestamp": T0 + 3600}]
    frt = _get(server, "/reports", metric="avg_first_response_time", type="account", group_by="hour",
               since=WINDOW[0], until=WINDOW[1]).json()
    assert frt == [{"value": 420.0, "timestamp": T0, "count": 2}, {"value": 0, "timestamp": T0 + 3600, "count": 0}]
    # days cut at local midnight of UTC+2: T0 is 14:00 there, so the window's day began 14 hours earlier
    days = _get(server, "/reports", metric="resolutions_count", type="account", group_by="day",
                timezone_offset="2", since=WINDOW[0], until=WINDOW[0] + 86400).json()
    assert days == [{"value": 1, "timestamp": T0 - 14 * 3600}, {"value": 0, "timestamp": T0 + 10 * 3600}]
    # T0 is Tuesday 2025-06-03 12:00 UTC: groupdate's weeks start on Sunday, months on the 1st
    for group_by in ("week", "month"):
        whole = _get(server, "/reports", metric="conversations_count", type="account", group_by=group_by,
                     since=WINDOW[0], until=WINDOW[1]).json()
        assert whole == [{"value": 3, "timestamp": T0 - 2 * 86400 - 12 * 3600}], group_by


def test_live_counts_now(hub) -> None:
    server, convs = hub
    body = _get(server, "/reports/conversations", type="account").json()
    state = server.state
    open_ = [c for c in state.conversations if c.status == "open"]
    assert body["open"] == len(open_)
    assert body["unassigned"] == sum(1 for c in open_ if c.assignee_id is None)
    assert convs["C"] in open_ and convs["A"] not in open_
    per_agent = _get(server, "/reports/conversations", type="agent").json()
    assert len(per_agent) == len(state.world.agents)  # fewer than a page
    assert [r["metric"]["open"] for r in per_agent] == sorted((r["metric"]["open"] for r in per_agent), reverse=True)
    assert _get(server, "/reports/conversations").status_code == 422


def test_refusals_as_chatwoot_answers_them(hub) -> None:
    server, _ = hub
    agent = _get(server, "/reports/summary", token=server.info()["chatwoot_token"], type="account",
                 since=WINDOW[0], until=WINDOW[1])
    # Pundit::NotAuthorizedError through RequestExceptionHandler: 401 (the published spec says 403)
    assert agent.status_code == 401
    assert agent.json() == {"error": "You are not authorized to do this action"}
    assert _get(server, "/reports/summary", type="inbox", id=99, since=T0, until=T0 + 1).status_code == 404
    assert _get(server, "/reports", metric="nonsense", type="account", since=T0, until=T0 + 1).status_code == 500
    assert _get(server, "/reports", type="account", since=T0, until=T0 + 1).json() == {}
    info = server.info()
    other = requests.get(f"{info['url']}/api/v2/accounts/999/reports/summary",
                         headers={"api_access_token": info["supervisor_token"]}, timeout=30)
    assert other.status_code == 401


def test_figures_follow_a_reply_sent_through_the_api() -> None:
    with hand_built_hub() as (server, convs):
        before = _get(server, "/reports/summary", type="account", since=WINDOW[0], until=T0 + 86400).json()
        info = server.info()
        sent = requests.post(f"{info['url']}/api/v1/accounts/3/conversations/{convs['C'].id}/messages",
                             headers={"api_access_token": info["supervisor_token"]}, timeout=30,
                             json={"content": "On it", "message_type": "outgoing"})
        assert sent.status_code == 200
        after = _get(server, "/reports/summary", type="account", since=WINDOW[0], until=T0 + 86400).json()
    # C was created at T0 + 200 and is first answered now, at T0 + 5000 (the hand-built clock stopped there)
    assert before["avg_first_response_time"] == 420.0
    assert after["avg_first_response_time"] == (600 + 240 + 4800) / 3
    assert after["outgoing_messages_count"] == before["outgoing_messages_count"] + 1

"""Team figures from the hub over real loopback HTTP to the demo hub, with the cache's own beside them, and
what a supervisor sees when the hub refuses, fails or cannot be reached (the last fetched figures, kept)."""

from __future__ import annotations

import pytest

from deskapp.connectors.chatwoot_reports import ChatwootReports
from deskapp.services import accounts
from deskapp.services.hub_reports import (
    FAILED,
    HUB,
    NO_HUB,
    OFFLINE,
    REFUSED,
    HubReportService,
    LocalFigures,
)
from deskapp.services.reports import ReportService
from deskapp.sync import registry
from tests.demo.reports_state import EXPECTED_SUMMARY, T0, hand_built_hub

NOW = T0 + 5000


@pytest.fixture
def ws(data_dir, db, profile):
    from deskapp.bootstrap import Workspace
    from deskapp.paths import resolve_paths
    from deskapp.services.profile_secrets import secret_store

    return Workspace(paths=resolve_paths(data_dir).ensure(), db=db, secrets=secret_store(profile), profile=profile)


def _connect(account, secrets):  # the real connector; backoffs recorded, not slept
    hub = registry.hub_client(account, secrets, sleep=lambda _s: None, max_attempts=2, timeout=(1.0, 20.0))
    return ChatwootReports(hub.http, hub.account_id)


def _service(ws) -> HubReportService:
    return HubReportService(ws, ReportService(ws.db, timezone="UTC"), connect=_connect, clock=lambda: NOW)


def test_figures_from_the_hub_and_from_the_cache(ws) -> None:
    with hand_built_hub() as (server, _):
        info = server.info()
        accounts.add_account(ws, "chatwoot", "Demo hub", info["url"], info["supervisor_token"],
                             {"account_id": info["chatwoot_account_id"]})
        reading = _service(ws).read(days=1)
    assert reading.state == HUB and reading.fresh
    assert reading.figures is not None and reading.figures.summary == EXPECTED_SUMMARY
    assert reading.figures.fetched_at == NOW
    assert reading.teams == {1: "Orders & Shipping", 2: "Returns & Billing"}
    team_1 = next(t for t in reading.figures.teams if t["id"] == 1)
    assert (team_1["name"], team_1["avg_reply_time"]) == ("Orders & Shipping", 900.0)
    assert {a["availability"] for a in reading.figures.agents} == {"online"}
    assert reading.local == LocalFigures(0, 0, None, None)  # this laptop holds none of it
    state = server.state
    assert reading.figures.live == {
        "open": sum(c.status == "open" for c in state.conversations),
        "unattended": sum(c.status == "open" and (c.first_reply_at is None or c.waiting_since is not None)
                          for c in state.conversations),
        "unassigned": sum(c.status == "open" and c.assignee_id is None for c in state.conversations)}


def test_one_team(ws) -> None:
    with hand_built_hub() as (server, _):
        info = server.info()
        accounts.add_account(ws, "chatwoot", "Demo hub", info["url"], info["supervisor_token"],
                             {"account_id": info["chatwoot_account_id"]})
        reading = _service(ws).read(days=1, team_id=2)
    assert reading.figures is not None
    assert reading.figures.summary["avg_first_response_time"] == 240.0
    assert reading.figures.summary["conversations_count"] == 1
    assert reading.local is None  # the cache knows no team of that name


def test_offline_keeps_the_last_fetched_figures_in_memory_and_in_the_profile(ws) -> None:
    with hand_built_hub() as (server, _):
        info = server.info()
        accounts.add_account(ws, "chatwoot", "Demo hub", info["url"], info["supervisor_token"],
                             {"account_id": info["chatwoot_account_id"]})
        service = _service(ws)
        fetched = service.read(days=1)
        server.set_faults(truncate_json=True, scope="chatwoot")
        broken = service.read(days=1)
    assert broken.state == FAILED and "could not be read" in broken.message
    assert broken.figures == fetched.figures
    offline = service.read(days=1)  # the hub is gone: connection refused
    assert offline.state == OFFLINE and offline.message == "hub figures unavailable offline"
    assert offline.figures == fetched.figures and offline.figures.fetched_at == NOW
    restarted = _service(ws).read(days=1)  # a new session: the profile kept them
    assert restarted.state == OFFLINE and restarted.figures == fetched.figures
    assert _service(ws).read(days=7).figures is None  # another question: nothing to show for it


def test_a_non_administrator_is_told_why(ws) -> None:
    with hand_built_hub() as (server, _):
        info = server.info()
        accounts.add_account(ws, "chatwoot", "Demo hub", info["url"], info["chatwoot_token"],
                             {"account_id": info["chatwoot_account_id"]})
        reading = _service(ws).read(days=1)
    assert reading.state == REFUSED and "administrators" in reading.message
    assert reading.figures is None and reading.local is not None


def test_no_hub_account(ws) -> None:
    assert _service(ws).read().state == NO_HUB

"""sync.registry.hub_client: a Chatwoot account's HTTP client, its token from the real OS keyring, with the retry
policy its caller chose reaching the wire: a hub in outage is tried exactly that many times, a hub that hangs is
given up on at that read timeout, and certificates are verified unless the caller says otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from deskapp.connectors.base import AuthError, TransientError
from deskapp.credentials import SecretStore
from deskapp.demo.server import DemoServer
from deskapp.domain import Account, AccountKind
from deskapp.services.automation import RULES_POLICY
from deskapp.services.bot_switch import SWITCH_POLICY
from deskapp.services.hub_reports import REPORTS_POLICY
from deskapp.sync import registry
from tests.demo.conftest import PINNED_NOW

PROFILE = "/api/v1/profile"


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    server = DemoServer(seed=3, live=False, now=PINNED_NOW)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hub(demo: DemoServer) -> Iterator[tuple[Account, SecretStore, DemoServer]]:
    info = demo.info()
    secrets = SecretStore(f"hub-client-{uuid.uuid4().hex}")  # the real keyring of tests/conftest.py
    secrets.set(5, info["supervisor_token"])
    account = Account(5, AccountKind.CHATWOOT, "Hub", info["url"], {"account_id": info["chatwoot_account_id"]})
    yield account, secrets, demo
    _faults(demo, {})
    secrets.delete(5)


def _faults(demo: DemoServer, switches: dict) -> None:
    requests.post(f"{demo.info()['url']}/demo/faults", json=switches, timeout=10).raise_for_status()


def _asked(demo: DemoServer) -> int:
    with demo.state.lock:
        return demo.state.requests[f"GET {PROFILE}"]


def test_the_client_reaches_the_account_with_its_token_and_verifies_certificates(hub):
    account, secrets, demo = hub
    client = registry.hub_client(account, secrets)
    assert client.account_id == demo.info()["chatwoot_account_id"]
    assert client.http.json("GET", PROFILE)["access_token"] == demo.info()["supervisor_token"]
    assert client.http.session.verify is True
    assert registry.hub_client(account, secrets, verify="/etc/ssl/company-ca.pem").http.session.verify \
        == "/etc/ssl/company-ca.pem"


@pytest.mark.parametrize("policy", [RULES_POLICY, REPORTS_POLICY, SWITCH_POLICY], ids=["rules", "reports", "switch"])
def test_a_hub_in_outage_is_tried_as_many_times_as_the_policy_says(hub, policy):
    account, secrets, demo = hub
    waits: list[float] = []
    client = registry.hub_client(account, secrets, **policy, sleep=waits.append)
    _faults(demo, {"outage": True})
    before = _asked(demo)
    with pytest.raises(TransientError, match="HTTP 503"):
        client.http.request("GET", PROFILE)
    assert _asked(demo) - before == policy["max_attempts"]
    assert len(waits) == policy["max_attempts"] - 1
    assert all(0 <= w <= policy.get("backoff_cap", 30.0) for w in waits)


def test_a_hanging_hub_is_given_up_on_at_the_chosen_read_timeout(hub):
    account, secrets, demo = hub
    _faults(demo, {"hang_s": 1.5})
    patient = registry.hub_client(account, secrets, timeout=(2, 5), max_attempts=1)
    assert patient.http.request("GET", PROFILE).status_code == 200
    hasty = registry.hub_client(account, secrets, timeout=(2, 0.3), max_attempts=1)
    with pytest.raises(TransientError) as caught:
        hasty.http.request("GET", PROFILE)
    assert isinstance(caught.value.__cause__.__cause__, requests.ReadTimeout)


def test_an_account_without_a_stored_token_is_a_sign_in_problem(hub):
    account, secrets, _demo = hub
    secrets.delete(5)
    with pytest.raises(AuthError, match="no token stored for account 5; add the account again"):
        registry.hub_client(account, secrets)

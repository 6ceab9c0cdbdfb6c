"""`deskapp demo-server` prints one JSON line with what a client needs, serves, and stops on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.demo.conftest import PINNED_NOW

REPO = Path(__file__).resolve().parents[2]


def _start(*args: str) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([sys.executable, "-m", "deskapp", "demo-server", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        pytest.fail(f"no JSON line; stderr: {proc.stderr.read()}")
    return proc, json.loads(line)


@pytest.mark.parametrize(("sig", "version"), [(signal.SIGTERM, "4.x"), (signal.SIGINT, "3.x")])
def test_cli_prints_info_serves_and_stops(sig: signal.Signals, version: str) -> None:
    proc, info = _start("--seed", "4", "--no-live", "--now", str(PINNED_NOW), "--chatwoot-version", version)
    try:
        assert {"url", "chatwoot_account_id", "chatwoot_token", "shopify_token", "counts"} <= set(info)
        assert info["chatwoot_version"] == version
        assert requests.get(info["url"] + "/api", timeout=10).json()["version"][0] == version[0]
        assert info["url"].startswith("http://127.0.0.1:")
        assert info["counts"]["conversations"] == 2000 and info["counts"]["orders"] == 1500
        r = requests.get(f"{info['url']}/api/v1/accounts/{info['chatwoot_account_id']}/conversations",
                         headers={"api_access_token": info["chatwoot_token"]}, params={"status": "all"}, timeout=10)
        assert r.status_code == 200 and len(r.json()["data"]["payload"]) == 25
    finally:
        proc.send_signal(sig)
        assert proc.wait(timeout=15) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(info["url"] + "/demo/stats", timeout=2)


def test_cli_refuses_bad_options_and_busy_ports() -> None:
    probe = subprocess.run([sys.executable, "-m", "deskapp", "demo-server", "--live-interval", "0"], cwd=REPO,
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode == 2 and "live-interval" in probe.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run([sys.executable, "-m", "deskapp", "demo-server", "--port", str(port)], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    assert busy.returncode == 2 and "cannot listen" in busy.stderr and busy.stdout == ""

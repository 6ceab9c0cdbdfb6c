"""`deskapp kpi --from-hub` end to end: an account added on the command line, the hand-built demo hub's figures
printed with their source, and exit 1 with the reason when the hub refuses or is gone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.cli.test_sync import run
from tests.demo.reports_state import EXPECTED_SUMMARY, T0, hand_built_hub

DAY = datetime.fromtimestamp(T0, UTC).date()
PERIOD = ["--from", DAY.isoformat(), "--to", (DAY + timedelta(days=1)).isoformat(), "--tz", "UTC"]


def _add(capsys, monkeypatch, data_dir, info, token: str) -> None:
    code, _out, err = run(capsys, monkeypatch, data_dir, "account", "add", "chatwoot", "--url", info["url"],
                          "--account-id", str(info["chatwoot_account_id"]), "--name", "Hub", stdin=token + "\n")
    assert code == 0, err


def test_figures_from_the_hub(capsys, monkeypatch, data_dir) -> None:
    with hand_built_hub() as (server, _):
        info = server.info()
        _add(capsys, monkeypatch, data_dir, info, info["supervisor_token"])
        code, out, err = run(capsys, monkeypatch, data_dir, "kpi", "--from-hub", *PERIOD, "--json")
        assert code == 0, err
        body = json.loads(out)
        assert body["state"] == "hub" and body["hub"]["summary"] == EXPECTED_SUMMARY
        assert body["local"]["conversations"] == 0
        code, out, _ = run(capsys, monkeypatch, data_dir, "kpi", "--from-hub", *PERIOD)
        assert code == 0 and "source          the hub (Hub)" in out
        assert "reply time (avg)" in out and "15.0 min  from the hub" in out
    code, out, _ = run(capsys, monkeypatch, data_dir, "kpi", "--from-hub", *PERIOD)
    assert code == 1 and "hub figures unavailable offline; last fetched at" in out


def test_a_non_administrator_is_told_why(capsys, monkeypatch, data_dir) -> None:
    with hand_built_hub() as (server, _):
        info = server.info()
        _add(capsys, monkeypatch, data_dir, info, info["chatwoot_token"])
        code, out, _ = run(capsys, monkeypatch, data_dir, "kpi", "--from-hub", *PERIOD)
    assert code == 1 and "administrators" in out

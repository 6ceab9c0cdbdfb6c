"""`deskapp act` and `deskapp outbox`: the same service path as the UI, for scripts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from deskapp import bootstrap, cli
from deskapp.cli.offline import parse_until
from deskapp.services.actions import close_outbox
from tests.faults.seed import conversation_state, seed_cache


def _run(capsys, data_dir, *argv):
    code = cli.main(["--data-dir", str(data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_act_and_outbox(capsys, data_dir):
    ws = bootstrap.open_workspace(data_dir)
    seeded = seed_cache(ws.db, profile=ws.profile)
    conv = seeded["conversations"][0]
    code, out, _ = _run(capsys, data_dir, "act", str(conv), "reply", "Hello", "there")
    assert code == 0 and len(out.strip()) == 36
    for argv in (["resolve"], ["assign", "Other Agent", "--team", "Support"], ["label", "vip,refund", "late"],
                 ["priority", "high"], ["snooze", "2h"], ["note", "internal"], ["reopen"], ["assign", "none"]):
        code, _, err = _run(capsys, data_dir, "act", str(conv), *argv)
        assert code == 0, (argv, err)
    code, out, _ = _run(capsys, data_dir, "outbox", "--json")
    listing = json.loads(out)
    assert [i["kind"] for i in listing["items"]] == ["reply", "status", "assign", "label", "priority", "snooze",
                                                    "note", "status", "assign"]
    assert listing["counts"]["pending"] == 9 and listing["work_offline"] is False
    assert listing["items"][3]["payload"] == {"labels": ["late", "refund", "vip"]}
    state = conversation_state(ws.db, conv)
    assert state["status"] == "open" and state["priority"] == "high" and state["assignee_id"] is None
    assert [m["text"] for m in state["messages"]] == ["Hello there", "internal"]
    code, out, _ = _run(capsys, data_dir, "outbox")
    assert code == 0 and "pending 9" in out
    code, out, _ = _run(capsys, data_dir, "outbox", "--work-offline", "on", "--json")
    assert json.loads(out)["work_offline"] is True
    close_outbox(ws)
    ws.close()


def test_act_errors_are_one_line(capsys, data_dir):
    ws = bootstrap.open_workspace(data_dir)
    seed_cache(ws.db, profile=ws.profile)
    code, _, err = _run(capsys, data_dir, "act", "999", "resolve")
    assert code == 2 and "no conversation" in err
    code, _, err = _run(capsys, data_dir, "act", "1", "priority", "extreme")
    assert code == 2 and "priority needs one of none, low, medium, high, urgent" in err
    code, _, err = _run(capsys, data_dir, "act", "1", "snooze", "tomorrowish")
    assert code == 2 and "'tomorrowish' is not a time; write 30m, 2h, 3d, 1w or an ISO time" in err
    code, _, _err = _run(capsys, data_dir, "act", "1", "priority", "HIGH")
    assert code == 0
    code, _, err = _run(capsys, data_dir, "act", "1", "assign", "ghost")
    assert code == 2 and "ghost" in err
    code, _, err = _run(capsys, data_dir, "outbox", "--retry", "nope")
    assert code == 2 and "cannot retry" in err
    close_outbox(ws)
    ws.close()


def test_parse_until():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_until("2h", now=now) == datetime(2026, 1, 1, 2, tzinfo=UTC)
    assert parse_until("1w", now=now).day == 8
    assert parse_until("2026-03-01T10:00:00") == datetime(2026, 3, 1, 10, tzinfo=UTC)


def _without_dac_override() -> None:
    """root ignores file modes through CAP_DAC_OVERRIDE/READ_SEARCH: drop them so chmod means something."""
    import ctypes
    import os

    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2):
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl")


def test_read_only_data_folder_gives_a_clear_message(capsys, data_dir):
    import os
    import subprocess
    import sys

    ws = bootstrap.open_workspace(data_dir)
    seeded = seed_cache(ws.db, profile=ws.profile)
    cid = _run(capsys, data_dir, "act", str(seeded["conversations"][0]), "reply", "kept")[1].strip()
    close_outbox(ws)
    ws.close()
    files = sorted(data_dir.glob("*.sqlite3*"))
    before = {p: p.read_bytes() for p in files}
    for p in files:
        os.chmod(p, 0o400)
    os.chmod(data_dir, 0o500)
    try:
        result = subprocess.run([sys.executable, "-m", "deskapp", "--data-dir", str(data_dir), "act",
                                 str(seeded["conversations"][0]), "resolve"],
                                capture_output=True, text=True, timeout=60, preexec_fn=_without_dac_override)
    finally:
        os.chmod(data_dir, 0o700)
        for p in files:
            os.chmod(p, 0o600)
    assert result.returncode == 2
    assert "read-only folder" in result.stderr and "nothing was changed" in result.stderr
    assert {p: p.read_bytes() for p in files} == before
    _, out, _ = _run(capsys, data_dir, "outbox", "--json")
    assert [i["client_id"] for i in json.loads(out)["items"]] == [cid]

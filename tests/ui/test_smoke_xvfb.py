"""The real app under Xvfb on the demo workspace: the core flow by keyboard only, with a screenshot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_display() -> int:
    for n in range(91, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@pytest.fixture
def xvfb():
    if not shutil.which("Xvfb"):
        pytest.fail("Xvfb is required (apt-get install xvfb)")
    display = _free_display()
    proc = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while not Path(f"/tmp/.X11-unix/X{display}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    yield f":{display}"
    proc.terminate()
    proc.wait(timeout=10)


def test_keyboard_only_core_flow_on_the_demo_workspace(xvfb, tmp_path):
    shot = tmp_path / "deskapp-smoke.png"
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run([sys.executable, "-m", "tests.ui.xvfb_flow", str(tmp_path / "data"), str(shot)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, (result.returncode, result.stdout[-2000:], result.stderr[-4000:])
    report = json.loads(lines[-1])
    assert report.get("ok") and result.returncode == 0, (report, result.stderr[-4000:])
    assert report["steps"][-1] == "the reply and the resolve are in the outbox, in order"
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("DESKAPP_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, Path(keep) / shot.name)

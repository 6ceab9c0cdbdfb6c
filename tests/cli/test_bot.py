"""`deskapp bot` on the command line: what it needs is said plainly, secrets come from the environment or files,
and `--demo --ask` shows the bot answering a live question beside the demo hub."""

from __future__ import annotations

import subprocess
import sys

from deskapp.cli import bot as bot_cli
from tests.demo.conftest import PINNED_NOW


def _deskapp(*args: str, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskapp", "bot", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_missing_settings_are_named_and_exit_2(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("DESKAPP_")}
    done = _deskapp("--chatwoot-url", "http://127.0.0.1:9", "--state", str(tmp_path / "s.sqlite3"), env=env)
    assert done.returncode == 2
    assert "--account-id" in done.stderr and "--shop-url" in done.stderr and "DESKAPP_SHOP_TOKEN" in done.stderr


def test_secrets_come_from_the_environment_or_a_file(monkeypatch, tmp_path):
    monkeypatch.setenv("DESKAPP_BOT_TOKEN", " from-env \n")
    assert bot_cli.secret("DESKAPP_BOT_TOKEN") == "from-env"
    monkeypatch.delenv("DESKAPP_BOT_TOKEN")
    (tmp_path / "tok").write_text("from-file\n")
    monkeypatch.setenv("DESKAPP_BOT_TOKEN_FILE", str(tmp_path / "tok"))
    assert bot_cli.secret("DESKAPP_BOT_TOKEN") == "from-file"
    monkeypatch.setenv("DESKAPP_BOT_TOKEN_FILE", str(tmp_path / "missing"))
    assert bot_cli.secret("DESKAPP_BOT_TOKEN") is None


def test_demo_with_the_bot_answers_where_is_my_order(tmp_path):
    done = _deskapp("--demo", "--now", str(PINNED_NOW), "--state", str(tmp_path / "s.sqlite3"),
                    "--ask", "where is my order #1234?")
    assert done.returncode == 0, done.stderr
    bot_lines = [line for line in done.stdout.splitlines() if line.startswith("[agent_bot]")]
    assert len(bot_lines) == 1 and "#1234" in bot_lines[0] and "https://" in bot_lines[0]
    assert "status: pending; labels: lang-en, order-status, urgency-" in done.stdout
    assert '"action": "answer"' in done.stderr  # the decision's log line, with its reason


def test_bot_beside_the_gui_goes_with_demo_only():
    done = subprocess.run([sys.executable, "-m", "deskapp", "--bot"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--bot goes with --demo" in done.stderr


def test_the_bot_path_imports_no_qt():
    code = ("import sys; import deskapp.cli.bot, deskapp.services.bot_service, deskapp.services.bot_demo, "
            "deskapp.services.bot_switch; from deskapp.cli.entry import build_parser; build_parser('bot'); "
            "assert 'PySide6' not in sys.modules, sorted(m for m in sys.modules if m.startswith('PySide6'))")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

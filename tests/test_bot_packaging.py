"""packaging/deskapp-bot.service and packaging/Containerfile: systemd accepts the unit, it is hardened, and
both start `deskapp bot` with options the command line takes."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

from deskapp.cli.entry import build_parser

PACKAGING = Path(__file__).resolve().parents[1] / "packaging"
UNIT = PACKAGING / "deskapp-bot.service"


def _unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    text = UNIT.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_systemd_accepts_the_unit(tmp_path):
    unit = tmp_path / "deskapp-bot.service"
    unit.write_text(UNIT.read_text().replace("/opt/deskapp/bin/deskapp", str(Path(sys.executable).parent / "deskapp")))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_unit_is_hardened_and_keeps_secrets_out_of_its_command_line():
    settings = _unit_settings()
    for key, value in (("DynamicUser", "yes"), ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                       ("ProtectHome", "yes"), ("PrivateTmp", "yes"), ("CapabilityBoundingSet", "")):
        assert settings[key] == [value], key
    assert "token" not in settings["ExecStart"][0].lower()  # a command line is visible to every local user
    assert any(v.startswith("DESKAPP_BOT_TOKEN_FILE=%d/") for v in settings["Environment"])


def test_unit_and_container_start_the_bot_with_options_it_takes():
    env = dict(v.partition("=")[::2] for v in _unit_settings()["Environment"])
    line = _unit_settings()["ExecStart"][0]
    for name, value in env.items():
        line = line.replace("${" + name + "}", value)
    unit_args = shlex.split(line)[1:]
    containerfile = (PACKAGING / "Containerfile").read_text()
    entry = next(x for x in containerfile.splitlines() if x.startswith("ENTRYPOINT"))
    container_args = [*json.loads(entry.removeprefix("ENTRYPOINT").strip())[1:],
                      "--chatwoot-url", "http://hub", "--account-id", "1", "--shop-url", "http://shop"]
    for args in (unit_args, container_args):
        parsed = build_parser("bot").parse_args(args)
        assert parsed.verb == "bot" and parsed.chatwoot_url and parsed.account_id and parsed.shop_url
    assert "\nUSER deskapp\n" in containerfile

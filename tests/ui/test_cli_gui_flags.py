"""The GUI's command-line flags: `--demo --as supervisor|agent`, `--tab`, `--window-size`, through cli.main."""

from __future__ import annotations

import pytest

from deskapp import cli
from deskapp.bootstrap import open_workspace
from deskapp.demo.server import DemoServer
from deskapp.services import accounts
from deskapp.ui.main_window import TAB_NAMES
from tests.demo.conftest import PINNED_NOW


def _demo_tokens() -> dict:
    server = DemoServer(seed=1, scale="small", live=False, now=PINNED_NOW)  # tokens do not depend on the day
    info = server.start()
    server.stop()
    return {"agent": info["chatwoot_token"], "supervisor": info["supervisor_token"]}


def _hub(data_dir):
    ws = open_workspace(data_dir)
    try:
        hub = next(a for a in accounts.list_accounts(ws) if str(a.kind) == "chatwoot")
        return hub.settings.get("demo_role"), ws.secrets.get(hub.id)
    finally:
        ws.close()


def test_demo_as_supervisor_then_as_agent_from_the_command_line(tmp_path, qapp):
    tokens = _demo_tokens()
    data = str(tmp_path / "data")
    assert cli.main(["--data-dir", data, "--demo", "--as", "supervisor", "--tab", "team",
                     "--window-size", "1280x720", "--smoke"]) == 0
    assert _hub(data) == ("supervisor", tokens["supervisor"])
    assert cli.main(["--data-dir", data, "--demo", "--smoke"]) == 0  # the agent is the default
    assert _hub(data) == ("agent", tokens["agent"])


def test_the_flags_parse_and_bad_values_are_refused(capsys):
    args = cli.build_parser().parse_args(["--demo", "--as", "supervisor", "--tab", "team",
                                          "--window-size", "1440X860", "--screenshot", "team.png"])
    assert (args.demo_role, args.tab, args.window_size) == ("supervisor", "team", (1440, 860))
    assert set(cli.TABS) == set(TAB_NAMES)
    for argv, message in ((["--as", "supervisor", "--smoke"], "--as goes with --demo"),
                          (["--window-size", "1440", "--smoke"], "not a window size"),
                          (["--window-size", "10x10", "--smoke"], "not a window size"),
                          (["--window-size", "wide", "--smoke"], "not a window size"),
                          (["--tab", "outbox", "--smoke"], "invalid choice"),
                          (["--demo", "--as", "owner", "--smoke"], "invalid choice")):
        with pytest.raises(SystemExit) as exited:
            cli.main(argv)
        assert exited.value.code == 2 and message in capsys.readouterr().err, argv

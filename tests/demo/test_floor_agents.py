"""The demo hub's floor of many agents: their availability, the open work shared among those who work, the
reports and agents list that show them, and the sizes refused."""

from __future__ import annotations

import pytest
import requests

from deskapp.demo.server import DemoServer
from tests.demo.conftest import PINNED_NOW


def _get(server: DemoServer, path: str, **params: object) -> requests.Response:
    info = server.info()
    return requests.get(f"{info['url']}/api/v2/accounts/{info['chatwoot_account_id']}{path}",
                        headers={"api_access_token": info["supervisor_token"]}, params=params, timeout=30)


def test_floor_of_many_agents() -> None:
    with DemoServer(seed=1, live=False, now=PINNED_NOW, floor_agents=200) as server:
        agents = server.state.world.agents
        assert len(agents) == 200
        availability = {a["availability"] for a in agents}
        assert availability == {"online", "busy", "offline"}
        working = {c.assignee_id for c in server.state.conversations if c.status != "resolved" and c.assignee_id}
        assert all(agents[i - 1]["availability"] != "offline" for i in working)
        assert len(working) > 8  # the open work is shared beyond the seeded agents
        page = _get(server, "/reports/conversations", type="agent", page=2).json()
        assert len(page) == 25 and {r["availability"] for r in page} <= {"online", "busy", "offline"}
        listed = requests.get(f"{server.url}/api/v1/accounts/3/agents", timeout=30,
                              headers={"api_access_token": server.info()["supervisor_token"]}).json()
        assert {a["availability_status"] for a in listed} == availability
    with pytest.raises(ValueError):
        DemoServer(live=False, now=PINNED_NOW, floor_agents=5)


def test_default_demo_has_no_floor() -> None:
    with DemoServer(seed=1, live=False, now=PINNED_NOW) as server:
        assert len(server.state.world.agents) == 8
        assert all(a.get("availability", "online") == "online" for a in server.state.world.agents)


def test_floor_switches_refuse_bad_sizes(capsys) -> None:
    import argparse

    from deskapp import cli
    from deskapp.demo import runner

    parser = argparse.ArgumentParser()
    runner.add_arguments(parser)
    assert runner.run(parser.parse_args(["--floor", "5"])) == 2
    assert "8 to 2000" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        cli.main(["--demo-floor", "200", "--smoke"])  # without --demo
    assert refused.value.code == 2 and "--demo-floor goes with --demo" in capsys.readouterr().err


def test_the_same_seed_gives_the_same_floor_and_the_bounds_are_kept() -> None:
    from deskapp.demo.floor_agents import MAX_FLOOR, add_floor
    from deskapp.demo.seed import build_world

    def floor(seed: int) -> list[tuple[str, str, str]]:
        world = build_world(seed=2, now=PINNED_NOW)
        add_floor(world, 40, seed)
        return [(a["name"], a["availability"], str(a["team_id"])) for a in world.agents]

    assert floor(5) == floor(5)
    assert floor(5) != floor(6)
    world = build_world(seed=2, now=PINNED_NOW)
    seeded = len(world.agents)
    for size in (seeded - 1, MAX_FLOOR + 1):
        with pytest.raises(ValueError, match="a floor of"):
            add_floor(world, size, 1)
    assert len(world.agents) == seeded  # a refused size adds no one
    add_floor(world, seeded, 1)  # the seeded size itself: allowed, nobody added
    assert len(world.agents) == seeded

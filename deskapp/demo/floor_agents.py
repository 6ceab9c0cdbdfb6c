"""A floor of many agents for the demo hub (`DemoServer(floor_agents=200)`, `deskapp demo-server --floor 200`):
agents beyond the seeded few, each with an availability (online | busy | offline, AccountUser's enum), on both
teams and every inbox, with the conversations still in progress shared out among the agents who work now.

Off by default: the default demo starts with the seeded agents only. The history is untouched (replies keep
their senders); only who holds each unresolved conversation now moves, as a supervisor's reassigning would.
"""

from __future__ import annotations

import random

from deskapp.demo import texts
from deskapp.demo.seed import World

AVAILABILITY_WEIGHTS = (("online", 60), ("busy", 25), ("offline", 15))
MAX_FLOOR = 2000


def add_floor(world: World, size: int, seed: int) -> None:
    """Grow the world's agents to `size` (the seeded ones included) and share the unresolved conversations
    among those who are not offline. The same (world, size, seed) always gives the same floor."""
    if not len(world.agents) <= size <= MAX_FLOOR:
        raise ValueError(f"a floor of {size} agents: between {len(world.agents)} and {MAX_FLOOR}")
    rng = random.Random(seed * 7919 + size)
    names = [name for name, _weight in AVAILABILITY_WEIGHTS]
    weights = [weight for _name, weight in AVAILABILITY_WEIGHTS]
    every_inbox = {b["id"] for b in world.inboxes}
    for agent in world.agents:
        agent.setdefault("availability", "online")
    while len(world.agents) < size:
        aid = len(world.agents) + 1
        first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
        world.agents.append({"id": aid, "name": f"{first} {last}", "role": "agent",
                             "team_id": 1 + aid % len(world.teams), "availability": rng.choices(names, weights)[0],
                             "email": f"agent{aid}@shop.example.com"})
        world.inbox_members[aid] = set(every_inbox)
    working = [a["id"] for a in world.agents if a["availability"] != "offline" and a["role"] == "agent"]
    for conv in world.conversations:
        if conv.status != "resolved" and conv.assignee_id is not None and working:
            conv.assignee_id = rng.choice(working)
            conv.team_id = world.agents[conv.assignee_id - 1]["team_id"] if conv.team_id is not None else None

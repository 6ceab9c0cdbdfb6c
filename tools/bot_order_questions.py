#!/usr/bin/env python3
"""Prints how `deskapp bot` does on the demo's order-status questions: each seeded "where is my order" opening
is asked again, live over loopback HTTP, and checked against the shop (see deskapp/services/bot_measure.py).

    .venv/bin/python tools/bot_order_questions.py [--limit N] [--seed 1] [--no-probes] [--no-others]
        [--show-misses]

The figures are in all and per language of the customer; "probes" are the same questions asked again in each
of the bot's languages in turn (the demo seeds English, German, Spanish and French only); "other_questions"
are the seeded openings on other topics, which the bot must hand over.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from deskapp.demo.server import DemoServer
from deskapp.services.bot_demo import start_demo_bot
from deskapp.services.bot_measure import measure_order_questions

PINNED_NOW = 1748865600  # the demo's history ends here, so the figures are the same on every run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-probes", action="store_true", help="not the probes in the other languages")
    parser.add_argument("--no-others", action="store_true", help="not the seeded questions on other topics")
    parser.add_argument("--show-misses", action="store_true", help="list each wrong answer and needless handoff")
    args = parser.parse_args(argv)
    demo = DemoServer(seed=args.seed, live=False, now=PINNED_NOW)
    demo.start()
    with tempfile.TemporaryDirectory() as tmp:
        demo_bot = start_demo_bot(demo, Path(tmp) / "bot.sqlite3", now=demo.state.now)
        try:
            figures = measure_order_questions(demo_bot, args.limit, probes=not args.no_probes,
                                              others=not args.no_others)
        finally:
            demo_bot.stop()
            demo.stop()
    print(json.dumps(figures.as_json(), indent=2))
    if args.show_misses:
        for part in (figures, figures.probes, figures.others):
            print("\n".join(part.wrong if part else []), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`deskapp demo-server`: run the demo backend in the foreground, print its connection info as one JSON line,
serve until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated history (default 1)")
    parser.add_argument("--scale", choices=("small", "large"), default="small",
                        help="small: ~2,000 conversations; large: 100k conversations, ~1M messages")
    parser.add_argument("--no-live", dest="live", action="store_false", help="no live traffic")
    parser.add_argument("--live-interval", type=float, default=5.0, metavar="S",
                        help="seconds between live events (default 5)")
    parser.add_argument("--chatwoot-version", choices=("4.x", "3.x"), default="4.x",
                        help="which Chatwoot server behaviour to follow where versions differ (default 4.x)")
    parser.add_argument("--floor", type=int, default=0, metavar="N",
                        help="simulate a floor of N agents with availability (default: the seeded few)")
    parser.add_argument("--now", type=int, default=None, metavar="UNIX",
                        help="end the history at this time and run the hub's clock from there (default: today)")


def run(args: argparse.Namespace) -> int:
    import json
    import signal
    import threading

    from deskapp.demo.server import DemoServer  # here, so other verbs don't pay for the demo's imports

    if args.floor and not 8 <= args.floor <= 2000:
        print("deskapp: --floor takes 8 to 2000 agents", file=sys.stderr)
        return 2
    if args.live_interval <= 0:
        print("deskapp: --live-interval must be positive", file=sys.stderr)
        return 2
    server = DemoServer(seed=args.seed, scale=args.scale, live=args.live, live_interval=args.live_interval,
                        port=args.port, host=args.host, now=args.now, chatwoot_version=args.chatwoot_version,
                        floor_agents=args.floor)
    try:
        info = server.start()
    except OSError as exc:
        print(f"deskapp: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    try:
        while not done.wait(0.5):
            pass
    finally:
        server.stop()
    return 0

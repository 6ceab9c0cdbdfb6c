"""The `bot` verb of the command line (registered by deskapp.cli.entry): run the Chatwoot agent bot (no Qt,
no data folder), beside the demo hub with --demo, or flip its kill switch with `bot off` / `bot on`.

Secrets come from the environment or files named there (DESKAPP_BOT_TOKEN / _FILE, DESKAPP_SHOP_TOKEN / _FILE,
DESKAPP_HUB_TOKEN / _FILE: a user's token to read working hours, an administrator's for off|on), falling back
to the keyring (service "deskapp-bot"); never logged.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

KEYRING_SERVICE = "deskapp-bot"


def secret(name: str) -> str | None:
    """$NAME, else the file $NAME_FILE names (systemd credentials, container secrets), else the keyring."""
    value = os.environ.get(name)
    if value:
        return value.strip()
    path = os.environ.get(name + "_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            print(f"deskapp: cannot read {name}_FILE: {exc.strerror}", file=sys.stderr)
            return None
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, name.lower())
    except Exception:  # no keyring backend on a server: the environment is the way there
        return None


def _serve_until_signal(stop) -> None:
    import signal
    import threading

    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    finally:
        stop()


def _run_demo(args: argparse.Namespace) -> int:
    import requests

    from deskapp.demo.server import DemoServer
    from deskapp.services.bot_demo import start_demo_bot

    demo = DemoServer(seed=args.seed, live=False, now=args.now)
    info = demo.start()
    demo_bot = start_demo_bot(demo, Path(args.state), min_confidence=args.min_confidence)
    print(json.dumps({"demo": info["url"], "bot": demo_bot.server.url, "inboxes": demo_bot.inbox_ids}), flush=True)
    if args.ask:
        order = demo.state.orders[int(args.ask_order) - 1001]
        contact = min((c for c in demo.state.contacts if c.person_idx == order.person_idx),
                      key=lambda c: c.email is None)
        started = requests.post(f"{info['url']}/demo/inboxes/{demo_bot.inbox_ids['web_chat']}/conversations",
                                json={"contact_id": contact.id, "content": args.ask}, timeout=10).json()
        demo_bot.settle()
        conv = demo.state.conversation(started["conversation_id"])
        if conv is None:
            print(f"deskapp: the demo hub did not start the conversation: {started}", file=sys.stderr)
            return 1
        for m in demo.state.messages(conv):
            print(f"[{m['sender_type'] or 'activity'}] {m['content']}")
        print(f"status: {conv.status}; labels: {', '.join(conv.labels)}")
        if not args.stay:
            demo_bot.stop()
            demo.stop()
            return 0
    def stop_both() -> None:
        demo_bot.stop()
        demo.stop()

    _serve_until_signal(stop_both)
    return 0


def _switch(args: argparse.Namespace) -> int:
    from deskapp.services.bot_switch import SWITCH_POLICY, BotSwitch, BotSwitchError
    from deskapp.sync.registry import chatwoot_http

    token = secret("DESKAPP_HUB_TOKEN")
    if not (args.chatwoot_url and args.account_id and token):
        print("deskapp: bot off|on needs --chatwoot-url, --account-id and an administrator's DESKAPP_HUB_TOKEN",
              file=sys.stderr)
        return 2
    switch = BotSwitch(chatwoot_http(args.chatwoot_url, token, **SWITCH_POLICY), args.account_id)
    try:
        if args.action == "off":
            print(json.dumps({"switched_off": {str(k): v for k, v in switch.off().items()}}))
        else:
            if not args.connect:
                print("deskapp: bot on needs --connect INBOX:BOT (the pairs `bot off` printed)", file=sys.stderr)
                return 2
            switch.on({int(i): int(b) for i, _, b in (p.partition(":") for p in args.connect)})
            print(json.dumps({"connected": switch.connected()}))
    except (BotSwitchError, ValueError) as exc:
        print(f"deskapp: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_bot(ws, args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    if args.action in ("off", "on"):
        return _switch(args)
    if args.demo:
        return _run_demo(args)
    from deskapp.services.bot_service import BotConfig, BotServer, open_bot

    bot_token, shop_token = secret("DESKAPP_BOT_TOKEN"), secret("DESKAPP_SHOP_TOKEN")
    missing = [n for n, v in (("--chatwoot-url", args.chatwoot_url), ("--account-id", args.account_id),
                              ("--shop-url", args.shop_url), ("DESKAPP_BOT_TOKEN", bot_token),
                              ("DESKAPP_SHOP_TOKEN", shop_token)) if not v]
    if missing:
        print(f"deskapp: bot needs {', '.join(missing)}", file=sys.stderr)
        return 2
    reader = secret("DESKAPP_HUB_TOKEN")
    if not reader:
        logging.getLogger("deskapp.bot").warning("no DESKAPP_HUB_TOKEN: the inboxes' working hours cannot be read"
                                                 " (a bot's token may not), so every hour counts as working hours")
    config = BotConfig(args.chatwoot_url, args.account_id, bot_token or "", args.shop_url, shop_token or "",
                       min_confidence=args.min_confidence, reader_token=reader or "")
    try:
        server = BotServer(open_bot(config, Path(args.state)), args.host, args.port)
    except OSError as exc:
        print(f"deskapp: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"listening": server.start()}), flush=True)
    _serve_until_signal(server.stop)
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("bot", help="run the Chatwoot agent bot (order status, labels, handoff), or switch it off|on")
    p.add_argument("action", nargs="?", choices=["off", "on"], help="the kill switch: disconnect or reconnect")
    p.add_argument("--chatwoot-url", help="the hub's base URL")
    p.add_argument("--account-id", type=int, help="the Chatwoot account id")
    p.add_argument("--shop-url", help="the shop's base URL (Shopify Admin API)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port for the hub's webhooks (default 8765)")
    p.add_argument("--state", default=os.environ.get("DESKAPP_BOT_STATE", "deskapp-bot.sqlite3"),
                   help="the bot's small state file (default $DESKAPP_BOT_STATE or ./deskapp-bot.sqlite3)")
    p.add_argument("--min-confidence", type=float, default=0.6, help="answer only above this intent score")
    p.add_argument("--connect", nargs="*", metavar="INBOX:BOT", help="with `on`: which bot to connect where")
    p.add_argument("--demo", action="store_true", help="start the demo hub and run the bot beside it")
    p.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--now", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--ask", metavar="TEXT", help="with --demo: a customer asks this in a new web chat")
    p.add_argument("--ask-order", default="1234", help="with --ask: the order whose buyer asks (default 1234)")
    p.add_argument("--stay", action="store_true", help="with --ask: keep serving afterwards")
    p.set_defaults(run=_cmd_bot, opens=None)

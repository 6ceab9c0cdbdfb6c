"""A bare replay process for the order kill -9 test: start-up recovery, then replay the shop account until
its outbox items are settled.

Usage: python -m tests.faults.order_replay_child DATA_DIR BASE_URL SHOP_ACCOUNT_ID (the token comes in
DESKAPP_TEST_TOKEN). Prints READY once imports and recovery are done.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from deskapp.connectors.shopify import ShopifyConnector
from deskapp.services.actions import ActionService
from deskapp.store.engine import Database
from deskapp.store.outbox import OutboxStore
from deskapp.store.profile import ProfileStore
from deskapp.sync.replay import Replayer
from tests.faults.order_stack import shop_http


def main(argv: list[str]) -> int:
    data_dir, base_url, account_id = Path(argv[0]), argv[1], int(argv[2])
    token = os.environ["DESKAPP_TEST_TOKEN"]
    db = Database(data_dir / "cache.sqlite3")
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    ActionService(db, outbox, ProfileStore(data_dir / "profile.sqlite3")).restore()
    connector = ShopifyConnector(base_url, token, http=shop_http(base_url, token))
    replayer = Replayer(db, outbox, hold_s=0, rate=1000, burst=1000)
    print("READY", flush=True)
    for _ in range(1000):
        if not outbox.open_items(account_id):
            return 0
        replayer.replay_account(account_id, connector)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

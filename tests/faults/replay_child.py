"""A bare replay process for the kill -9 test: start-up recovery, then replay until the outbox is empty.

Usage: python -m tests.faults.replay_child DATA_DIR BASE_URL CHATWOOT_ACCOUNT LOCAL_ACCOUNT_ID
(the token comes in DESKAPP_TEST_TOKEN). Prints READY once imports and recovery are done.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.services.actions import ActionService
from deskapp.store.engine import Database
from deskapp.store.outbox import OutboxStore
from deskapp.store.profile import ProfileStore
from deskapp.sync.replay import Replayer
from tests.faults.stack import fast_http


def main(argv: list[str]) -> int:
    data_dir, base_url, cw_account, account_id = Path(argv[0]), argv[1], argv[2], int(argv[3])
    token = os.environ["DESKAPP_TEST_TOKEN"]
    db = Database(data_dir / "cache.sqlite3")
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    ActionService(db, outbox, ProfileStore(data_dir / "profile.sqlite3")).restore()
    connector = ChatwootConnector(base_url, cw_account, token, http=fast_http(base_url, token))
    replayer = Replayer(db, outbox, hold_s=0, rate=1000, burst=1000)
    print("READY", flush=True)
    for _ in range(1000):
        if not outbox.open_items(account_id):
            return 0
        replayer.replay_account(account_id, connector)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

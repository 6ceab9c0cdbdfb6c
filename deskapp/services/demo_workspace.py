"""The demo workspace behind `deskapp --demo` and the first-run dialog: an in-process demo backend plus a
Chatwoot and a Shopify account pointing at it (accounts in the profile, tokens in the keyring).

The demo server is seeded deterministically, so a second run reuses the accounts (and the cache)
of the first: only the server's address and tokens are refreshed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind
from deskapp.services import accounts as account_service
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore

log = logging.getLogger(__name__)

DEMO_FLAG = "demo"


class _Workspace(Protocol):
    db: Database
    secrets: SecretStore
    profile: ProfileStore


@dataclass
class DemoWorkspace:
    """A running demo backend and the two account ids registered for it."""

    server: Any
    info: dict[str, Any]
    chatwoot_account_id: int
    shopify_account_id: int

    def stop(self) -> None:
        try:
            self.server.stop()
        except Exception:  # stopping on exit must never turn a clean exit into a crash
            log.exception("stopping the demo server failed")


def _demo_accounts(ws: _Workspace) -> dict[str, int]:
    found: dict[str, int] = {}
    for account in account_service.list_accounts(ws):
        if account.settings.get(DEMO_FLAG):
            found.setdefault(str(account.kind), account.id)
    return found


def start_demo(ws: _Workspace, *, seed: int = 1, scale: str = "small", live: bool = True,
               live_interval: float = 5.0) -> DemoWorkspace:
    """Start the demo backend on loopback and make sure both demo accounts point at it."""
    from deskapp.demo.server import DemoServer

    server = DemoServer(seed=seed, scale=scale, live=live, live_interval=live_interval, port=0, host="127.0.0.1")
    info = server.start()
    try:
        existing = _demo_accounts(ws)
        chatwoot_settings = {"account_id": info["chatwoot_account_id"], DEMO_FLAG: True}
        if "chatwoot" in existing:
            chatwoot = existing["chatwoot"]
            account_service.update_account(ws, chatwoot, base_url=info["url"], settings=chatwoot_settings,
                                           secret=info["chatwoot_token"])
        else:
            chatwoot = account_service.add_account(ws, AccountKind.CHATWOOT, "Demo support hub", info["url"],
                                                   info["chatwoot_token"], chatwoot_settings)
        shop_url = info.get("shop_url") or info["url"]
        if "shopify" in existing:
            shopify = existing["shopify"]
            account_service.update_account(ws, shopify, base_url=shop_url, settings={DEMO_FLAG: True},
                                           secret=info["shopify_token"])
        else:
            shopify = account_service.add_account(ws, AccountKind.SHOPIFY, "Demo shop", shop_url,
                                                  info["shopify_token"], {DEMO_FLAG: True})
    except Exception:
        server.stop()
        raise
    return DemoWorkspace(server=server, info=info, chatwoot_account_id=chatwoot, shopify_account_id=shopify)

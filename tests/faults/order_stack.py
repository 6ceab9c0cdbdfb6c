"""The offline stack with a shop: the Chatwoot account of Stack plus a Shopify account on the same demo server,
demo orders put in the cache without a full pull, and what the shop holds afterwards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import text

from deskapp.connectors.http import HttpClient
from deskapp.connectors.shopify import ShopifyConnector
from deskapp.domain import AccountKind
from deskapp.services.accounts import add_account
from deskapp.services.order_actions import OrderActionService
from tests.faults.stack import FAST_HTTP, Stack


def shop_http(base_url: str, token: str, **overrides) -> HttpClient:
    return HttpClient(base_url, {"X-Shopify-Access-Token": token, "Accept": "application/json"},
                      **{**FAST_HTTP, **overrides})


class OrderStack(Stack):
    """Stack + a shop account; ``orders`` queues order actions as the order panel does."""

    def __init__(self, folder: Path, info: dict, **kw) -> None:
        super().__init__(folder, info, **kw)
        self.shop_id = add_account(self.ws, AccountKind.SHOPIFY, "Demo shop", info["url"], info["shopify_token"], {})
        self.restart()  # the engine learns the new account's connector

    def open(self) -> None:
        super().open()
        self.orders = OrderActionService(self.db, self.outbox, undoable=False)

    def connector_factory(self, account, secrets):
        if account.kind == AccountKind.SHOPIFY:
            token = secrets.get(account.id)
            return ShopifyConnector(account.base_url, token, http=shop_http(account.base_url, token,
                                                                            **self.http_options))
        return super().connector_factory(account, secrets)

    def registry(self) -> dict:
        return {AccountKind.CHATWOOT: self.connector_factory, AccountKind.SHOPIFY: self.connector_factory}

    def shop_connector(self) -> ShopifyConnector:
        from deskapp.store import accounts as account_store
        with self.db.read() as conn:
            return self.engine._connector(account_store.get_account(conn, self.shop_id))

    def replay_shop(self):
        return self.replayer.replay_account(self.shop_id, self.shop_connector())

    def drain_shop(self, rounds: int = 50) -> None:
        for _ in range(rounds):
            if not self.outbox.open_items(self.shop_id):
                return
            self.replay_shop()
        raise AssertionError(f"shop items not drained: {self.outbox.counts()}")

    def mirror_order(self, server, order) -> str:
        """Put one demo order (with its lines) in the cache as an order pull would; returns its number."""
        nodes = server.shopify.nodes
        with server.state.lock:
            node = nodes.order(order)
            lines = nodes.line_items(order)
        with self.db.write() as conn:
            order_id = conn.execute(text(
                'INSERT INTO "order" (account_id, external_id, number, placed_at, updated_at, total, currency,'
                " financial_status, fulfillment_status, cancelled_at) VALUES (:a, :e, :n, :p, :p, :t, 'USD', :f,"
                " :ff, :c) RETURNING id"),
                {"a": self.shop_id, "e": node["id"], "n": node["name"], "p": order.created_at,
                 "t": float(node["totalPriceSet"]["shopMoney"]["amount"]), "f": order.financial.lower(),
                 "ff": order.fulfillment.lower(), "c": order.cancelled_at}).scalar_one()
            for line in lines:
                conn.execute(text("INSERT INTO order_line (order_id, title, quantity, sku, unit_price)"
                                  " VALUES (:o, :t, :q, :s, :u)"),
                             {"o": order_id, "t": line["title"], "q": line["quantity"], "s": line["sku"],
                              "u": float(line["originalUnitPriceSet"]["shopMoney"]["amount"])})
        return node["name"]


def paid_order(server, *, fulfilled: bool, skip: int = 0):
    """A paid, not cancelled demo order, fulfilled or not (the ``skip``-th such)."""
    found = [o for o in server.state.world.orders if o.financial == "PAID" and o.cancelled_at is None
             and (o.fulfilled_at is not None) == fulfilled and o.fulfillment == ("FULFILLED" if fulfilled
                                                                                  else "UNFULFILLED")]
    return found[skip]


def shop_refund_markers(server) -> Counter[str]:
    """client id -> how many refunds on the shop carry its marker."""
    counts: Counter[str] = Counter()
    for refunds in server.shopify.writes.refunds.values():
        for refund in refunds:
            note = refund.get("note") or ""
            if "[deskapp:" in note:
                counts[note.rsplit("[deskapp:", 1)[1].rstrip("]")] += 1
    return counts

"""Builds the template context (customer, named or latest order, agent, shop) of one conversation from the cache."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from deskapp.connectors.imap_smtp.config import ConfigError, MailConfig
from deskapp.copilot.templating import LineItem
from deskapp.domain import Account, AccountKind
from deskapp.domain.returns import SETTING_PREFIX, ItemFacts, OrderFacts, eligibility, policy_from_settings
from deskapp.store import accounts as account_store
from deskapp.store import template_context_rows as rows
from deskapp.store.engine import Connection
from deskapp.store.profile_mirror import cached_settings

_ORDER_REF = re.compile(r"#?\b(\d{3,10})\b")


def order_status_text(financial: str, fulfillment: str, cancelled: bool) -> str:
    """The words a customer understands, from Shopify's financial and fulfillment states."""
    f, ful = (financial or "").lower(), (fulfillment or "").lower()
    if cancelled:
        return "cancelled"
    if f in ("refunded",):
        return "refunded"
    # a partial refund (one item, a shipping fee) does not change where the parcel is: shipping comes first
    if ful in ("fulfilled", "shipped", "delivered"):
        return "shipped"
    if ful in ("partial", "partially_fulfilled"):
        return "partly shipped"
    if f in ("partially_refunded",):
        return "partially refunded"
    if f in ("pending", "authorized"):
        return "awaiting payment"
    if ful in ("in_progress", "on_hold", "scheduled"):
        return "being prepared"
    return "being prepared" if f == "paid" else (ful or f or "received").replace("_", " ")


def _first_name(name: str) -> str:
    name = (name or "").strip()
    if not name or "@" in name:
        return ""
    return name.split()[0].capitalize() if name.islower() else name.split()[0]


def _moment(epoch: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def _json_strings(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _returns(conn: Connection, row: Any, lines: Sequence[Any], now: datetime, zone: tzinfo) -> dict[str, Any]:
    """Whether the order can be returned under the team's policy: always ``return_eligible``; the deadline
    when there is one, the reason when not, the refundable amount and the returnable items when it can."""
    items = tuple(ItemFacts(line.title, int(line.quantity), float(line.unit_price), int(line.refunded_quantity or 0),
                            tuple(_json_strings(line.product_tags)), line.product_type or "") for line in lines)
    facts = OrderFacts(financial_status=row.financial_status, fulfillment_status=row.fulfillment_status,
                       total=row.total, currency=row.currency, total_refunded=float(row.total_refunded or 0),
                       cancelled=row.cancelled_at is not None, delivered_at=_moment(row.delivered_at),
                       fulfilled_at=_moment(row.fulfilled_at), in_transit=bool(row.in_transit), items=items)
    result = eligibility(facts, policy_from_settings(cached_settings(conn, SETTING_PREFIX)), now, zone)
    values: dict[str, Any] = {"return_eligible": result.eligible}
    if result.deadline is not None:
        values["return_deadline"] = f"{result.deadline.day} {result.deadline:%B %Y}"
    if result.eligible:
        values["refundable_amount"] = f"{result.refundable:.2f}"
        values["return_items"] = [LineItem(i.title, i.returnable_quantity) for i in result.items if i.eligible]
    else:
        values["return_reason"] = result.reason
    return values


def _order_dict(conn: Connection, row: Any, now: datetime, zone: tzinfo) -> dict[str, Any]:
    lines = rows.order_lines(conn, row.id)
    urls = json.loads(row.tracking_urls or "[]")
    numbers = json.loads(row.tracking_numbers or "[]")
    values: dict[str, Any] = {
        "number": row.number,
        "status": order_status_text(row.financial_status, row.fulfillment_status, row.cancelled_at is not None),
        "financial_status": row.financial_status,
        "fulfillment_status": row.fulfillment_status,
        "tracking_urls": urls,
        "items": [LineItem(line.title, int(line.quantity), line.sku) for line in lines],
        "total": f"{row.total:.2f}",
        "currency": row.currency,
        "placed_at": datetime.fromtimestamp(row.placed_at, UTC).strftime("%Y-%m-%d"),
        **_returns(conn, row, lines, now, zone),
    }
    # Absent rather than empty, so a template using it is reported as missing data, not sent blank.
    if urls:
        values["tracking_url"] = urls[0]
    if numbers:
        values["tracking_number"] = numbers[0]
    return values


def build_context(conn: Connection, conversation_id: int, *, agent_name: str | None = None,
                  mention_text: str | None = None, now: datetime | None = None,
                  zone: tzinfo = UTC) -> dict[str, Any]:
    """Everything a reply template may read about one conversation; keys without data are left out.
    Return windows are judged at ``now`` (default: the clock) and close at midnight in ``zone``."""
    conv = rows.conversation_with_customer(conn, conversation_id)
    if conv is None:
        return {}
    order_account: int | None = None
    ctx: dict[str, Any] = {"conversation": {"id": conv.id, "subject": conv.subject, "channel": conv.channel,
                                            "intent": conv.intent or ""}}
    if conv.customer_id is not None:
        ids = rows.identities(conn, conv.customer_id)
        customer: dict[str, Any] = {"name": conv.customer_name or ""}
        first = _first_name(conv.customer_name or "")
        if first:
            customer["first_name"] = first
            customer["last_name"] = " ".join((conv.customer_name or "").split()[1:])
        for kind, value in ids:
            if kind in ("email", "phone") and kind not in customer:
                customer[kind] = value
        ctx["customer"] = customer
        orders = rows.recent_orders(conn, conv.customer_id)
        if orders:
            chosen = orders[0]
            if mention_text is None:
                mention_text = rows.latest_inbound_text(conn, conversation_id)
            mentioned = set(_ORDER_REF.findall(mention_text))
            for o in orders:  # the order the customer names beats the most recent one
                if o.number.lstrip("#") in mentioned:
                    chosen = o
                    break
            ctx["order"] = _order_dict(conn, chosen, now or datetime.now(UTC), zone)
            order_account = chosen.account_id
    account_list = account_store.list_accounts(conn)
    shop = _shop_name(account_list, order_account)
    if shop:
        ctx["shop"] = {"name": shop}
    if agent_name is None:
        agent_name = rows.signed_in_agent_name(conn, conv.account_id)
    agent: dict[str, Any] = {}
    if agent_name:
        agent.update(name=agent_name, first_name=agent_name.split()[0])
    email = _agent_email(conn, next((a for a in account_list if a.id == conv.account_id), None))
    if email:
        agent["email"] = email
    if agent:
        ctx["agent"] = agent
    return ctx


def _agent_email(conn: Connection, account: Account | None) -> str:
    """Where the customer can write to the agent on this conversation's account: the signed-in agent's address
    on a help desk, the mailbox's own address (the From of our replies) on a mail account."""
    if account is None:
        return ""
    if account.kind == AccountKind.IMAP_SMTP:
        try:
            return MailConfig.from_settings(account.settings).own_address
        except (ConfigError, TypeError, ValueError):
            return ""
    return account_store.signed_in_agent_email(conn, account.id)


def _shop_name(account_list: list[Account], order_account: int | None) -> str:
    """The shop's name: the Shopify account the order came from (else the only one), by the name the agent
    gave it in the accounts settings (the connector does not read the shop's own name). The names deskapp
    makes up when that field is left empty ("Shopify", "shopify <url>") are no shop name: left out."""
    shops = [a for a in account_list if a.kind == AccountKind.SHOPIFY]
    shop = next((a for a in shops if a.id == order_account), None) or (shops[0] if len(shops) == 1 else None)
    if shop is None:
        return ""
    name = " ".join(shop.name.split())
    made_up = {str(AccountKind.SHOPIFY), f"{AccountKind.SHOPIFY} {shop.base_url}".casefold()}
    return "" if name.casefold() in made_up else name


def order_summary(conn: Connection, order_id: int, *, now: datetime | None = None,
                  zone: tzinfo = UTC) -> dict[str, Any]:
    """One order as the LLM prompt describes it."""
    row = rows.order(conn, order_id)
    return _order_dict(conn, row, now or datetime.now(UTC), zone) if row is not None else {}

"""Upserts of the records around conversations, for store.ingest: agents, teams, templates, orders, surveys."""

from __future__ import annotations

import json
import math
import time

from sqlalchemy import Connection

from deskapp.domain import Agent, Order, SurveyKind, SurveyResponse, Team, Template
from deskapp.store import customers
from deskapp.store.ingest_util import AppliedChanges, chunks, enum_or, id_map, many, ts

# --- agents, teams, templates ------------------------------------------------------------------


def apply_agents(conn: Connection, account_id: int, agents: list[Agent]) -> None:
    mine = [a.external_id for a in agents if a.is_me]
    if mine:  # an account has one signed-in user: a new token (another user) unmarks the previous one
        conn.exec_driver_sql("UPDATE agent SET is_me = 0 WHERE account_id = ? AND is_me = 1 AND external_id != ?",
                             (account_id, mine[-1]))
    many(
        conn,
        "INSERT INTO agent (account_id, external_id, name, email, role, is_me) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(account_id, external_id) DO UPDATE SET name = excluded.name, email = excluded.email,"
        " role = excluded.role, is_me = max(agent.is_me, excluded.is_me)",
        [(account_id, a.external_id, a.name or "", a.email or "", a.role or "agent", int(a.is_me)) for a in agents],
    )


def apply_teams(conn: Connection, account_id: int, teams: list[Team]) -> None:
    many(
        conn,
        "INSERT INTO team (account_id, external_id, name) VALUES (?, ?, ?)"
        " ON CONFLICT(account_id, external_id) DO UPDATE SET name = excluded.name",
        [(account_id, t.external_id, t.name or "") for t in teams],
    )


def apply_templates(conn: Connection, account_id: int, templates: list[Template]) -> None:
    now = int(time.time())
    rows = {}
    for t in templates:
        ext = t.external_id or f"name:{t.name}"  # NULLs never conflict: key nameless ones by name
        rows[ext] = (account_id, ext, t.name, t.body, t.shortcut or "", t.scope or "team",
                     json.dumps(list(t.intents)), now)
    many(
        conn,
        "INSERT INTO template (account_id, external_id, name, body, shortcut, scope, intents, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account_id, external_id) DO UPDATE SET"
        " name = excluded.name, body = excluded.body, shortcut = excluded.shortcut, scope = excluded.scope,"
        " intents = excluded.intents, updated_at = excluded.updated_at"
        " WHERE template.body IS NOT excluded.body OR template.name IS NOT excluded.name"
        " OR template.shortcut IS NOT excluded.shortcut OR template.intents IS NOT excluded.intents",
        list(rows.values()),
    )


# --- orders and surveys ------------------------------------------------------------------------

_ORDER_UPSERT = (
    'INSERT INTO "order" (account_id, external_id, customer_id, number, placed_at, updated_at, total, currency,'
    " financial_status, fulfillment_status, email, phone, tracking_numbers, tracking_urls, cancelled_at,"
    " total_refunded, delivered_at, fulfilled_at, in_transit)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(account_id, external_id) DO UPDATE SET"
    ' customer_id = coalesce(excluded.customer_id, "order".customer_id), number = excluded.number,'
    " placed_at = excluded.placed_at, updated_at = excluded.updated_at, total = excluded.total,"
    " currency = excluded.currency, financial_status = excluded.financial_status,"
    " fulfillment_status = excluded.fulfillment_status, email = excluded.email, phone = excluded.phone,"
    " tracking_numbers = excluded.tracking_numbers, tracking_urls = excluded.tracking_urls,"
    " cancelled_at = excluded.cancelled_at, total_refunded = excluded.total_refunded,"
    " delivered_at = excluded.delivered_at, fulfilled_at = excluded.fulfilled_at,"
    ' in_transit = excluded.in_transit WHERE excluded.updated_at >= "order".updated_at'
)


def _amount(value: object) -> float:
    """Money as the cache keeps it; junk (NaN, infinite, not a number) is 0, never a crash."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def apply_orders(conn: Connection, account_id: int, orders: list[Order], changes: AppliedChanges) -> list[int]:
    exts = [o.external_id for o in orders]
    existing: dict[str, int] = {}
    for chunk in chunks(exts):
        marks = ",".join("?" * len(chunk))
        existing.update(conn.exec_driver_sql(
            f'SELECT external_id, updated_at FROM "order" WHERE account_id = ? AND external_id IN ({marks})',
            (account_id, *chunk)).tuples().all())
    known = customers._contact_customers(conn, account_id, [o.customer_external_id for o in orders
                                                              if o.customer_external_id])
    rows, lines, refunds, owners = [], {}, {}, set()
    for o in orders:
        updated = ts(o.updated_at) or ts(o.placed_at) or 0
        if o.external_id in existing and existing[o.external_id] > updated:
            continue  # stale copy
        customer_id = known.get(o.customer_external_id or "")
        if customer_id is None:
            customer_id = customers.customer_for_order_identity(conn, o.email, o.phone)
        if customer_id is None and o.customer_external_id:
            customer_id = customers.ensure_contacts(conn, account_id, [o.customer_external_id])[o.customer_external_id]
        if customer_id is not None:
            owners.add(customer_id)
        lines[o.external_id] = o.lines
        refunds[o.external_id] = o.refunds
        rows.append((
            account_id, o.external_id, customer_id, o.number or o.external_id, ts(o.placed_at) or updated, updated,
            float(o.total or 0), o.currency or "", o.financial_status or "", o.fulfillment_status or "",
            o.email or "", o.phone or "", json.dumps(list(o.tracking_numbers)), json.dumps(list(o.tracking_urls)),
            ts(o.cancelled_at), _amount(o.total_refunded), ts(o.delivered_at), ts(o.fulfilled_at), int(o.in_transit),
        ))
    if not rows:
        return []
    many(conn, _ORDER_UPSERT, rows)
    ids = id_map(conn, "order", account_id, list(lines))
    applied = [ids[ext] for ext in lines if ext in ids]
    for id_chunk in chunks(applied):  # lines and refunds are replaced with their order
        marks = ",".join("?" * len(id_chunk))
        conn.exec_driver_sql(f"DELETE FROM order_line WHERE order_id IN ({marks})", tuple(id_chunk))
        conn.exec_driver_sql(f"DELETE FROM order_refund WHERE order_id IN ({marks})", tuple(id_chunk))
    many(
        conn,
        "INSERT INTO order_line (order_id, title, quantity, sku, unit_price, refunded_quantity, product_tags,"
        " product_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(ids[ext], ln.title or "", int(ln.quantity or 0), ln.sku or "", float(ln.unit_price or 0),
          int(ln.refunded_quantity or 0), json.dumps([str(t) for t in ln.product_tags]), ln.product_type or "")
         for ext, lns in lines.items() if ext in ids for ln in lns],
    )
    many(
        conn,  # a refund listed twice keeps its last copy
        "INSERT INTO order_refund (order_id, external_id, created_at, amount, currency, note)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(order_id, external_id) DO UPDATE SET"
        " created_at = excluded.created_at, amount = excluded.amount, currency = excluded.currency,"
        " note = excluded.note",
        [(ids[ext], r.external_id, ts(r.created_at), _amount(r.amount), r.currency or "", r.note or "")
         for ext, rs in refunds.items() if ext in ids for r in rs],
    )
    customers.propose_fuzzy_merges(conn, owners)
    changes.customer_ids.extend(sorted(owners - set(changes.customer_ids)))
    return applied


def apply_surveys(conn: Connection, account_id: int, surveys: list[SurveyResponse]) -> list[int]:
    convs: dict[str, tuple[int, int | None]] = {}
    exts = [s.conversation_external_id for s in surveys if s.conversation_external_id]
    for chunk in chunks(list(dict.fromkeys(exts))):
        marks = ",".join("?" * len(chunk))
        for ext, cid, customer_id in conn.exec_driver_sql(
            f"SELECT external_id, id, customer_id FROM conversation WHERE account_id = ? AND external_id IN ({marks})",
            (account_id, *chunk)).all():
            convs[ext] = (cid, customer_id)
    rows = []
    for s in surveys:
        conv = convs.get(s.conversation_external_id or "", (None, None))
        rows.append((account_id, s.external_id, str(enum_or(SurveyKind, s.kind, SurveyKind.CSAT)), int(s.score),
                     conv[0], conv[1], ts(s.at) or 0, s.comment or ""))
    many(
        conn,
        "INSERT INTO survey_response (account_id, external_id, kind, score, conversation_id, customer_id, at,"
        " comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account_id, external_id) DO UPDATE SET"
        " kind = excluded.kind, score = excluded.score, conversation_id = excluded.conversation_id,"
        " customer_id = excluded.customer_id, at = excluded.at, comment = excluded.comment",
        rows,
    )
    many(
        conn,
        "UPDATE conversation SET csat = ? WHERE id = ?",
        [(r[3], r[4]) for r in rows if r[2] == SurveyKind.CSAT and r[4] is not None],
    )
    return list(id_map(conn, "survey_response", account_id, [s.external_id for s in surveys]).values())

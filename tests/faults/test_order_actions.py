"""Order actions against the demo shop, through the outbox: outage, refusals, missing scope, THROTTLED, a 5xx
after the shop applied the mutation; each refund exists on the shop once, each refusal is a visible conflict."""

from __future__ import annotations

import time

import pytest

from deskapp.demo.seed import CUSTOMER_GID_BASE
from deskapp.domain import OutboxKind, OutboxState
from deskapp.services.order_actions import OrderActionError
from deskapp.sync.replay import note_client_id
from tests.faults.order_stack import OrderStack, paid_order, shop_refund_markers
from tests.faults.stack import server_markers


@pytest.fixture
def shop(tmp_path, demo_server):
    server, info = demo_server
    stack = OrderStack(tmp_path / "data", info)
    try:
        yield server, stack
    finally:
        stack.close()


def _actions(stack: OrderStack, number: str) -> list[dict]:
    return stack.orders.show(number)["actions"]


def test_refund_queued_in_an_outage_lands_once_with_a_note_on_the_thread(shop):
    server, stack = shop
    conv = stack.mirror(server, 1)[0]
    order = paid_order(server, fulfilled=True)
    number = stack.mirror_order(server, order)
    first_line = stack.orders.order(number).lines[0]
    server.set_faults(outage=True, scope="shopify")
    plan = stack.orders.plan_refund(number, lines={0: 1}, reason="damaged")
    assert plan.summary.startswith(f"Refund {first_line.unit_price:.2f} USD on {number} for 1 × {first_line.title}")
    client_id = stack.orders.queue(plan, conversation_id=conv)
    # durable and shown before anything is sent
    assert [(a["client_id"], a["state"]) for a in _actions(stack, number)] == [(client_id, "queued")]
    report = stack.replay_shop()
    assert report.stopped == "offline" and stack.outbox.get(client_id).state == OutboxState.PENDING
    assert shop_refund_markers(server) == {}

    server.set_faults(outage=False)
    stack.drain_shop()
    assert shop_refund_markers(server) == {client_id: 1}
    with server.state.lock:
        node = server.shopify.nodes.order(order)
    assert node["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert node["totalRefundedSet"]["shopMoney"]["amount"] == f"{first_line.unit_price:.2f}"
    [action] = _actions(stack, number)
    assert action["state"] == "done" and action["summary"].startswith(f"Refunded {first_line.unit_price:.2f} USD")
    # the thread records it: one private note, queued with the action's settlement, shown at once
    note_id = note_client_id(client_id)
    note = stack.outbox.get(note_id)
    assert note.kind == OutboxKind.NOTE and note.payload["text"] == action["summary"]
    local = [m for m in stack.conversation(stack.outbox.get(note_id).conversation_external_id)["messages"]
             if m["client_id"] == note_id]
    assert len(local) == 1 and local[0]["direction"] == "note"
    stack.drain()
    assert server_markers(server).get(note_id) == 1


def test_refund_larger_than_refundable_is_a_conflict_and_refunds_nothing(shop):
    server, stack = shop
    conv = stack.mirror(server, 1)[0]
    order = paid_order(server, fulfilled=True, skip=1)
    number = stack.mirror_order(server, order)
    with pytest.raises(OrderActionError):  # more than the order's total: refused before queueing
        stack.orders.plan_refund(number, amount=10_000.0)
    whole = stack.orders.queue(stack.orders.plan_refund(number, whole=True, reason="not received"))
    stack.drain_shop()
    assert stack.outbox.get(whole).state == OutboxState.DONE
    # the cache still says "paid" (no pull yet): the second refund is allowed here, the shop refuses it
    again = stack.orders.queue(stack.orders.plan_refund(number, lines={0: 1}, reason="damaged"),
                               conversation_id=conv)
    stack.replay_shop()
    row = stack.outbox.get(again)
    assert row.state == OutboxState.CONFLICT
    assert "Quantity cannot refund more items than were purchased" in row.last_error
    assert _actions(stack, number)[-1]["state"] == "refused"
    assert shop_refund_markers(server) == {whole: 1}
    assert stack.outbox.get(note_client_id(again)) is None  # nothing happened: nothing to record


def test_amount_over_what_is_left_is_refused_before_sending(shop):
    server, stack = shop
    order = paid_order(server, fulfilled=True, skip=2)
    number = stack.mirror_order(server, order)
    total = stack.orders.order(number).total
    first = stack.orders.queue(stack.orders.plan_refund(number, amount=round(total - 1.0, 2)))
    second = stack.orders.queue(stack.orders.plan_refund(number, amount=2.0))
    stack.drain_shop()
    assert stack.outbox.get(first).state == OutboxState.DONE
    row = stack.outbox.get(second)
    assert row.state == OutboxState.CONFLICT and row.conflict == "more than refundable"
    assert "1.00 still refundable" in row.last_error
    assert shop_refund_markers(server) == {first: 1}


def test_order_cancelled_meanwhile_by_someone_else_is_a_conflict(shop):
    server, stack = shop
    order = paid_order(server, fulfilled=False)
    number = stack.mirror_order(server, order)
    client_id = stack.orders.queue(stack.orders.plan_cancel(number, reason="customer"))
    with server.state.lock:  # another agent, in the shop's admin
        server.shopify.writes.order_cancel(None, orderId=f"gid://shopify/Order/{order.gid_num}", refund=True,
                                           restock=True, reason="STAFF")
    stack.replay_shop()
    row = stack.outbox.get(client_id)
    assert row.state == OutboxState.CONFLICT and row.conflict == "already cancelled"
    assert "by someone else" in row.last_error
    assert _actions(stack, number)[0]["state"] == "refused"
    # the agent's choice: discard takes it off the order panel
    assert stack.actions.discard(client_id)
    assert _actions(stack, number) == []


def test_cancel_follows_its_job_and_shows_on_the_order(shop):
    server, stack = shop
    order = paid_order(server, fulfilled=False, skip=1)
    number = stack.mirror_order(server, order)
    client_id = stack.orders.queue(stack.orders.plan_cancel(number, refund=True, restock=True, reason="CUSTOMER"))
    stack.drain_shop()
    row = stack.outbox.get(client_id)
    assert row.state == OutboxState.DONE and row.external_id.startswith("gid://shopify/Job/")
    assert server.shopify.writes.jobs[row.external_id] is True  # asked until done
    with server.state.lock:
        node = server.shopify.nodes.order(order)
    assert node["cancelledAt"] and node["displayFinancialStatus"] == "REFUNDED"
    with pytest.raises(OrderActionError):  # a fulfilled order cannot be cancelled: said before queueing
        stack.orders.plan_cancel(stack.mirror_order(server, paid_order(server, fulfilled=True, skip=3)))


def test_missing_write_orders_scope_is_a_conflict_the_agent_can_retry(shop):
    server, stack = shop
    order = paid_order(server, fulfilled=True, skip=4)
    number = stack.mirror_order(server, order)
    server.set_faults(shopify_read_only=True)
    client_id = stack.orders.queue(stack.orders.plan_refund(number, lines={0: 1}, reason="damaged"))
    stack.replay_shop()
    row = stack.outbox.get(client_id)
    assert row.state == OutboxState.CONFLICT and row.conflict == "missing access scope"
    assert "write_orders" in row.last_error
    assert shop_refund_markers(server) == {}
    server.set_faults(shopify_read_only=False)  # the owner granted the scope
    assert stack.actions.retry(client_id)
    assert _actions(stack, number)[0]["state"] == "queued"
    stack.drain_shop()
    assert shop_refund_markers(server) == {client_id: 1}


def test_throttled_refund_waits_for_the_bucket_and_lands_once(shop):
    server, stack = shop
    order = paid_order(server, fulfilled=True, skip=5)
    number = stack.mirror_order(server, order)
    client_id = stack.orders.queue(stack.orders.plan_refund(number, lines={0: 1}, reason="late"))
    server.set_faults(shopify_bucket=0)  # the bucket is empty: the first request is THROTTLED
    stack.drain_shop()
    assert server.state.faults_injected["THROTTLED"] >= 1
    assert stack.outbox.get(client_id).state == OutboxState.DONE
    assert shop_refund_markers(server) == {client_id: 1}


@pytest.mark.parametrize("kind", ["refund", "cancel", "address"])
def test_5xx_after_the_shop_applied_is_not_applied_twice(shop, kind):
    server, stack = shop
    order = paid_order(server, fulfilled=kind == "refund", skip=6)
    number = stack.mirror_order(server, order)
    plan = {"refund": lambda: stack.orders.plan_refund(number, lines={0: 1}, reason="damaged"),
            "cancel": lambda: stack.orders.plan_cancel(number),
            "address": lambda: stack.orders.plan_address(number, {"address1": "12 Rue Lafayette", "city": "Paris",
                                                                  "zip": "75009", "countryCode": "fr"})}[kind]()
    client_id = stack.orders.queue(plan)
    server.set_faults(fail_after_apply=True, scope="shopify")
    stack.drain_shop()
    server.set_faults(fail_after_apply=False)
    assert server.state.faults_injected["500 after apply"] >= 1
    row = stack.outbox.get(client_id)
    assert row.state == OutboxState.DONE, row
    with server.state.lock:
        node = server.shopify.nodes.order(order)
        cancels = sum(1 for r in server.shopify.writes.refunds.get(order.idx, []) if r["note"] is None
                      or "deskapp" in (r["note"] or ""))
    if kind == "refund":
        assert shop_refund_markers(server) == {client_id: 1}
    elif kind == "cancel":
        assert node["cancelledAt"] and cancels <= 1  # the retry saw it cancelled and did not send it again
    else:
        assert node["shippingAddress"]["city"] == "Paris" and node["shippingAddress"]["countryCodeV2"] == "FR"


def test_address_is_validated_before_queueing(shop):
    server, stack = shop
    number = stack.mirror_order(server, paid_order(server, fulfilled=False, skip=2))
    with pytest.raises(OrderActionError, match="needs city"):
        stack.orders.plan_address(number, {"address1": "1 Main St", "zip": "10001", "countryCode": "US"})
    with pytest.raises(OrderActionError, match="two letters"):
        stack.orders.plan_address(number, {"address1": "1 Main St", "city": "NYC", "zip": "10001",
                                           "countryCode": "USA"})
    with pytest.raises(OrderActionError, match="unknown address fields"):
        stack.orders.plan_address(number, {"address1": "1 Main St", "city": "NYC", "zip": "10001",
                                           "countryCode": "US", "planet": "Mars"})
    shipped = stack.mirror_order(server, paid_order(server, fulfilled=True, skip=7))
    with pytest.raises(OrderActionError, match="shipped"):
        stack.orders.plan_address(shipped, {"address1": "1 Main St", "city": "NYC", "zip": "10001",
                                            "countryCode": "US"})


def test_start_up_puts_back_what_a_crash_left_between_the_outbox_and_the_cache(shop):
    server, stack = shop
    number = stack.mirror_order(server, paid_order(server, fulfilled=True, skip=8))
    waiting = stack.orders.queue(stack.orders.plan_refund(number, lines={0: 1}, reason="damaged"))
    landed = stack.orders.queue(stack.orders.plan_refund(number, shipping=True, reason="late"))
    # a kill after the outbox said "done" but before the cache heard of it; and a cache that lost its rows
    stack.outbox.mark_done_with_note(landed, "gid://shopify/Refund/1", None)
    with stack.db.write() as conn:
        conn.exec_driver_sql("DELETE FROM order_action WHERE client_id=?", (waiting,))
    stack.restart()
    states = {a["client_id"]: a["state"] for a in _actions(stack, number)}
    assert states == {waiting: "queued", landed: "done"}


def test_discount_code_for_the_customer_is_created_once_even_after_a_5xx(shop):
    server, stack = shop
    conv = stack.mirror(server, 1)[0]
    order = paid_order(server, fulfilled=True, skip=9)
    number = stack.mirror_order(server, order)
    with pytest.raises(OrderActionError, match="either a percentage or an amount"):
        stack.orders.plan_discount(number)
    with pytest.raises(OrderActionError, match="at most 100"):
        stack.orders.plan_discount(number, percentage=150)
    plan = stack.orders.plan_discount(number, percentage=15, days=14, now=1_750_000_000)
    code = plan.payload["code"]
    assert plan.summary == (f"Create discount code {code} (15% off, once, until 29 Jun 2025)"
                            f" for the customer of {number}")
    client_id = stack.orders.queue(plan, conversation_id=conv)
    assert code == "SORRY-" + client_id.replace("-", "")[:8].upper()
    server.set_faults(fail_after_apply=True, scope="shopify")  # created, then the answer is lost
    stack.drain_shop()
    server.set_faults()
    assert stack.outbox.get(client_id).state == OutboxState.DONE
    assert list(server.shopify.discounts.codes) == [code]  # the retry found it: ours, not a second code
    made = server.shopify.discounts.codes[code]
    assert made["customerGets"]["value"] == {"percentage": 0.15}
    customer = f"gid://shopify/Customer/{CUSTOMER_GID_BASE + order.person_idx}"
    assert made["customerSelection"]["customers"]["add"] == [customer]
    assert made["usageLimit"] == 1 and made["endsAt"] == "2025-06-29T15:06:40Z"
    assert stack.outbox.get(note_client_id(client_id)).payload["text"].startswith(f"Created discount code {code}")


def test_replacement_is_one_draft_order_at_no_charge_even_after_a_5xx(shop):
    server, stack = shop
    conv = stack.mirror(server, 1)[0]
    order = paid_order(server, fulfilled=True, skip=10)
    number = stack.mirror_order(server, order)
    line = stack.orders.order(number).lines[0]
    with pytest.raises(OrderActionError, match="choose the lines"):
        stack.orders.plan_replacement(number, lines={})
    plan = stack.orders.plan_replacement(number, lines={0: 1}, reason="arrived broken")
    assert "the customer pays nothing" in " ".join(plan.details)
    client_id = stack.orders.queue(plan, conversation_id=conv)
    server.set_faults(fail_after_apply=True, scope="shopify")
    stack.drain_shop()
    server.set_faults()
    row = stack.outbox.get(client_id)
    assert row.state == OutboxState.DONE
    [draft] = server.shopify.drafts.drafts  # one draft, though the first answer was lost
    assert draft["id"] == row.external_id and f"deskapp-{client_id}" in draft["tags"]
    assert draft["totalPriceSet"]["shopMoney"]["amount"] == "0.00"
    [sent] = draft["input"]["lineItems"]
    assert (sent["title"], sent["quantity"], sent["sku"]) == (line.title, 1, line.sku)
    assert draft["input"]["shippingAddress"]["city"] == server.state.world.people[order.person_idx].city
    assert stack.outbox.get(note_client_id(client_id)).payload["text"] == (
        f"Created a replacement draft order at no charge for 1 × {line.title} of {number}")


def test_return_is_requested_and_approved_once_even_after_a_5xx(shop):
    server, stack = shop
    conv = stack.mirror(server, 1)[0]
    order = paid_order(server, fulfilled=True, skip=11)
    number = stack.mirror_order(server, order)
    line = stack.orders.order(number).lines[0]
    with pytest.raises(OrderActionError, match="has not shipped"):
        stack.orders.plan_return(stack.mirror_order(server, paid_order(server, fulfilled=False, skip=3)), lines={0: 1})
    with pytest.raises(OrderActionError, match="return reason is one of"):
        stack.orders.plan_return(number, lines={0: 1}, reason="bored")
    client_id = stack.orders.queue(stack.orders.plan_return(number, lines={0: line.quantity}, reason="defective",
                                                            note="seam split"), conversation_id=conv)
    server.set_faults(fail_after_apply=True, scope="shopify")  # the request lands, its answer is lost
    stack.drain_shop()
    server.set_faults()
    row = stack.outbox.get(client_id)
    assert row.state == OutboxState.DONE
    [made] = server.shopify.returns.returns[order.idx]  # one return, though the first answer was lost
    assert made["status"] == "OPEN" and made["id"] == row.external_id
    [returned] = made["lines"]
    assert (returned["quantity"], returned["returnReason"]) == (line.quantity, "DEFECTIVE")
    assert returned["customerNote"] == f"seam split [deskapp:{client_id}]"
    assert stack.outbox.get(note_client_id(client_id)).payload["text"] == (
        f"Opened a return of {line.quantity} × {line.title} on {number}, reason defective")
    # the same items again: nothing is left to return, the shop says so, the agent sees it
    again = stack.orders.queue(stack.orders.plan_return(number, lines={0: 1}))
    stack.replay_shop()
    refused = stack.outbox.get(again)
    assert refused.state == OutboxState.CONFLICT and "still returnable" in refused.last_error
    assert len(server.shopify.returns.returns[order.idx]) == 1


def test_a_refused_refund_is_shown_with_the_shops_words_and_the_agents_choices(qtbot, shop):
    from deskapp.ui.outbox_panel import OutboxPanel

    server, stack = shop
    number = stack.mirror_order(server, paid_order(server, fulfilled=True, skip=12))
    server.set_faults(shopify_read_only=True)
    plan = stack.orders.plan_refund(number, lines={0: 1}, reason="damaged")
    client_id = stack.orders.queue(plan)
    stack.replay_shop()
    panel = OutboxPanel(stack.actions)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.count_changed, timeout=10_000):
        panel.refresh()
    [row] = [i for i, r in enumerate(panel.rows) if r.client_id == client_id]
    assert panel.table.item(row, 0).text() == "conflict" and panel.table.item(row, 1).text() == plan.summary
    assert panel.table.item(row, 5).text() == "missing access scope"
    panel.table.selectRow(row)
    assert "write_orders" in panel.detail.text()
    assert panel.retry_button.isEnabled() and panel.discard_button.isEnabled()
    assert not panel.draft_button.isEnabled()  # nothing to keep as a draft: retry or discard
    with qtbot.waitSignal(panel.settled, timeout=10_000) as settled:
        panel.decide_selected("discard")
    assert settled.args == [1]
    assert _actions(stack, number) == [] and shop_refund_markers(server) == {}


SLOW_KINDS = ["refund", "cancel", "address", "discount", "replace", "return"]


@pytest.mark.parametrize("kind", SLOW_KINDS)
def test_a_mutation_that_times_out_but_lands_later_is_looked_up_not_sent_again(shop, kind):
    """The shop answers each mutation only after the client's 1 s timeout, and applies it then: a look-up
    right after the timeout finds nothing yet. The item waits for the next pass, finds its write there, and
    the shop gets each mutation once (a return is two: requested, then approved)."""
    server, stack = shop
    order = paid_order(server, fulfilled=kind in ("refund", "replace", "return"), skip=12)
    number = stack.mirror_order(server, order)
    plan = {"refund": lambda: stack.orders.plan_refund(number, lines={0: 1}, reason="damaged"),
            "cancel": lambda: stack.orders.plan_cancel(number),
            "address": lambda: stack.orders.plan_address(number, {"address1": "12 Rue Lafayette", "city": "Paris",
                                                                  "zip": "75009", "countryCode": "fr"}),
            "discount": lambda: stack.orders.plan_discount(number, percentage=10, days=14, now=1_750_000_000),
            "replace": lambda: stack.orders.plan_replacement(number, lines={0: 1}, reason="arrived broken"),
            "return": lambda: stack.orders.plan_return(number, lines={0: 1}, reason="defective")}[kind]()
    client_id = stack.orders.queue(plan)
    server.set_faults(slow_apply_s=1.5, scope="shopify")
    passes = 0
    while stack.outbox.open_items(stack.shop_id):
        passes += 1
        assert passes < 10, stack.outbox.counts()
        stack.replay_shop()
    time.sleep(2.0)  # a second send still on its way would land by now
    server.set_faults()
    row = stack.outbox.get(client_id)
    assert row.state == OutboxState.DONE, row
    assert server.state.faults_injected["slow apply"] == (2 if kind == "return" else 1)
    with server.state.lock:
        node = server.shopify.nodes.order(order)
    if kind == "refund":
        assert shop_refund_markers(server) == {client_id: 1}
    elif kind == "cancel":
        assert node["cancelledAt"]
    elif kind == "address":
        assert node["shippingAddress"]["city"] == "Paris"
    elif kind == "discount":
        assert list(server.shopify.discounts.codes) == [plan.payload["code"]]
    elif kind == "replace":
        [draft] = server.shopify.drafts.drafts
        assert draft["id"] == row.external_id
    else:
        [made] = server.shopify.returns.returns[order.idx]
        assert made["status"] == "OPEN" and made["id"] == row.external_id
    assert passes == (3 if kind == "return" else 2)  # each unknown outcome waited for the next pass


def _refund_facts(stack: OrderStack, number: str) -> tuple[float, list[int]]:
    with stack.db.read() as conn:
        order_id, refunded = conn.exec_driver_sql('SELECT id, total_refunded FROM "order" WHERE number = ?',
                                                  (number,)).one()
        lines = [q for (q,) in conn.exec_driver_sql("SELECT refunded_quantity FROM order_line WHERE order_id = ?"
                                                    " ORDER BY id", (order_id,))]
    return refunded, lines


def test_a_queued_refund_shows_on_its_order_at_once_and_comes_off_when_refused_undone_or_discarded(shop):
    """The panel judges returns from the cache: a queued refund counts there before the shop has it, once
    however often it is re-applied, and no longer once the shop refused it or the agent took it back."""
    from deskapp.store import optimistic

    server, stack = shop
    order = paid_order(server, fulfilled=True, skip=13)
    number = stack.mirror_order(server, order)
    line = stack.orders.order(number).lines[0]
    others = [0] * (len(stack.orders.order(number).lines) - 1)
    server.set_faults(outage=True, scope="shopify")
    client_id = stack.orders.queue(stack.orders.plan_refund(number, lines={0: 1}, reason="damaged"))
    assert _refund_facts(stack, number) == (line.unit_price, [1, *others])
    with stack.db.write() as conn:  # a start-up or a rebuild re-applies what is open: not twice
        optimistic.reapply_open(conn, stack.outbox.open_items(stack.shop_id))
    assert _refund_facts(stack, number) == (line.unit_price, [1, *others])
    stack.replay_shop()
    assert _refund_facts(stack, number) == (line.unit_price, [1, *others])  # still queued in the outage

    # the shop refuses it (the app lost its write scope): it comes off the order
    server.set_faults(shopify_read_only=True, scope="shopify")
    stack.replay_shop()
    server.set_faults()
    assert stack.outbox.get(client_id).state == OutboxState.CONFLICT
    assert _refund_facts(stack, number) == (0.0, [0, *others])
    # sent again by the agent: on the order again; discarded: off it for good
    assert stack.actions.retry(client_id)
    assert _refund_facts(stack, number) == (line.unit_price, [1, *others])
    server.set_faults(shopify_read_only=True, scope="shopify")
    stack.replay_shop()
    server.set_faults()
    assert stack.actions.discard(client_id)
    assert _refund_facts(stack, number) == (0.0, [0, *others])

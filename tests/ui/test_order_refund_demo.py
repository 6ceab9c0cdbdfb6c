"""A refund made in the running demo app while the shop is down: one confirmation queues it, the Demo menu
brings the shop back, and then the shop holds exactly one refund, the thread a private note that records it
and the order panel the order's new financial status (a real demo server, a real sync, the real keyring)."""

from __future__ import annotations

from deskapp.domain import OutboxState
from tests.faults.order_stack import shop_refund_markers
from tests.ui.test_performance_demo import (
    SYNC_TIMEOUT_MS,
    DemoApp,
    demo_app,  # noqa: F401 - the running demo app fixture
)


def _conversation_with_a_paid_fulfilled_order(app: DemoApp) -> tuple[int, str]:
    with app.ws.db.read() as conn:
        found = conn.exec_driver_sql(
            'SELECT c.id, o.number FROM conversation c JOIN "order" o ON o.customer_id = c.customer_id'
            " WHERE o.financial_status = 'paid' AND o.fulfillment_status = 'fulfilled' AND o.cancelled_at IS NULL"
            " ORDER BY c.id LIMIT 1").first()
    assert found is not None, "the demo world has paid, fulfilled orders"
    return int(found[0]), str(found[1])


def test_a_refund_queued_during_a_shop_outage_lands_once_with_a_note_and_the_new_status(
        demo_app, qtbot):  # noqa: F811 - the fixture imported above
    window, server = demo_app.window, demo_app.demo.server
    qtbot.waitUntil(demo_app.synced, timeout=SYNC_TIMEOUT_MS)
    conversation_id, number = _conversation_with_a_paid_fulfilled_order(demo_app)
    window.page.open_conversation_anywhere(conversation_id)
    panel = window.page.customer
    qtbot.waitUntil(lambda: panel.profile is not None and any(o.number == number for o in panel.profile.orders)
                    and panel.orders.topLevelItemCount() > 0, timeout=30_000)
    index = next(i for i, o in enumerate(panel.profile.orders) if o.number == number)

    roles = window.demo_roles
    roles.outage_actions["shopify"].trigger()  # Demo → Outage of the shop
    qtbot.waitUntil(lambda: roles.down == "shopify", timeout=10_000)

    panel.orders.setCurrentItem(panel.orders.topLevelItem(index))
    window.page.open_order_action("refund")
    dialog = window.page.order_dialog
    dialog.inputs["line0"].setValue(1)
    dialog.inputs["reason"].setCurrentText("damaged")
    qtbot.waitUntil(dialog.confirm.isEnabled, timeout=30_000)
    assert f"on {number} for 1 ×" in dialog.preview.text()
    dialog.confirm.click()  # the one confirmation
    qtbot.waitUntil(lambda: dialog.client_id is not None, timeout=30_000)
    client_id = dialog.client_id
    outbox = window.actions_ctl.actions.outbox
    assert outbox.get(client_id).state != OutboxState.DONE and shop_refund_markers(server)[client_id] == 0

    roles.outage_actions[None].trigger()  # everything up: both accounts sync at once and the outbox replays
    qtbot.waitUntil(lambda: outbox.get(client_id).state == OutboxState.DONE, timeout=SYNC_TIMEOUT_MS)
    assert shop_refund_markers(server)[client_id] == 1  # on the shop exactly once

    window.page.open_conversation_anywhere(conversation_id)
    qtbot.waitUntil(lambda: window.page.opened is not None and any(
        m.direction == "note" and f"on {number} for 1 ×" in m.text for m in window.page.opened.thread.messages),
        timeout=30_000)  # the private note that records it, in the thread

    window.engine.request_sync(demo_app.demo.shopify_account_id)  # the shop's answer comes with its next pull
    qtbot.waitUntil(lambda: panel.profile is not None and next(
        o for o in panel.profile.orders if o.number == number).financial_status == "partially_refunded",
        timeout=SYNC_TIMEOUT_MS)
    assert shop_refund_markers(server)[client_id] == 1

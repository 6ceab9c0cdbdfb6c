"""The order action dialogs from the customer panel and the palette: they say exactly what will happen, refuse
what cannot be done, and one click queues the action in the outbox, shown under the order at once."""

from __future__ import annotations

import threading

from sqlalchemy import event

from deskapp.domain import OutboxKind


def _customer_with_orders(window, qtbot):
    qtbot.waitUntil(lambda: window.page.customer.profile is not None and window.page.customer.orders.topLevelItemCount()
                    > 0, timeout=10_000)
    return window.page.customer


def _open(window, qtbot, kind: str, order_index: int = 0):
    panel = _customer_with_orders(window, qtbot)
    panel.orders.setCurrentItem(panel.orders.topLevelItem(order_index))
    window.page.open_order_action(kind)
    dialog = window.page.order_dialog
    qtbot.waitUntil(lambda: dialog.preview.text() != "Checking…", timeout=10_000)
    return dialog


def test_refund_dialog_shows_lines_amount_restock_and_notification_then_queues(window, qtbot, services):
    panel = _customer_with_orders(window, qtbot)
    order = panel.profile.orders[0]
    dialog = _open(window, qtbot, "refund")
    # nothing chosen yet: the dialog says so and cannot be confirmed
    assert "choose lines" in dialog.preview.text() and not dialog.confirm.isEnabled()
    dialog.inputs["line0"].setValue(1)
    dialog.inputs["reason"].setCurrentText("damaged")
    qtbot.waitUntil(dialog.confirm.isEnabled, timeout=10_000)
    text = dialog.preview.text()
    assert f"Refund 10.00 EUR on {order.number} for 1 × Mug, reason damaged" in text
    assert "no restock" in text and "the customer is notified by the shop" in text
    dialog.confirm.click()
    qtbot.waitUntil(lambda: dialog.client_id is not None, timeout=10_000)
    row = services.actions.outbox.get(dialog.client_id)
    assert row.kind == OutboxKind.ORDER_REFUND and row.payload["lines"] == [{"title": "Mug", "sku": "MUG",
                                                                            "quantity": 1}]
    assert row.payload["note_on"]["conversation"]  # a private note will record it on this conversation
    qtbot.waitUntil(lambda: any("Queued: Refund 10.00 EUR" in panel.orders.topLevelItem(i).child(0).text(0)
                                for i in range(panel.orders.topLevelItemCount())
                                if panel.orders.topLevelItem(i).childCount()), timeout=10_000)


def test_cancel_of_a_fulfilled_order_is_refused_in_the_dialog(window, qtbot):
    panel = _customer_with_orders(window, qtbot)
    fulfilled = next(i for i, o in enumerate(panel.profile.orders) if o.fulfillment_status == "fulfilled")
    dialog = _open(window, qtbot, "cancel", fulfilled)
    assert "refund or return it instead" in dialog.preview.text() and not dialog.confirm.isEnabled()
    dialog.reject()


def test_address_dialog_validates_as_you_type(window, qtbot):
    panel = _customer_with_orders(window, qtbot)
    unfulfilled = next(i for i, o in enumerate(panel.profile.orders) if o.fulfillment_status == "unfulfilled")
    dialog = _open(window, qtbot, "address", unfulfilled)
    assert "needs address1" in dialog.preview.text()
    for key, value in (("address1", "12 Rue Lafayette"), ("zip", "75009"), ("city", "Paris"), ("countryCode", "fra")):
        dialog.inputs[key].setText(value)
    qtbot.waitUntil(lambda: "two letters" in dialog.preview.text(), timeout=10_000)
    dialog.inputs["countryCode"].setText("fr")
    qtbot.waitUntil(dialog.confirm.isEnabled, timeout=10_000)
    assert "12 Rue Lafayette, 75009, Paris, FR" in dialog.preview.text()
    dialog.reject()


def test_the_palette_lists_the_order_actions(window):
    names = {a.text() for a in window.commands}
    assert {"Refund order…", "Return order items…", "Cancel order…", "Change shipping address…",
            "Send order items again at no charge…",
            "Discount code for the customer…"} <= names


def test_replacement_dialog_queues_the_chosen_lines(window, qtbot, services):
    dialog = _open(window, qtbot, "replace")
    assert "choose the lines" in dialog.preview.text()
    dialog.inputs["line0"].setValue(2)
    qtbot.waitUntil(dialog.confirm.isEnabled, timeout=10_000)
    assert "Replace at no charge for 2 × Mug" in dialog.preview.text()
    dialog.confirm.click()
    qtbot.waitUntil(lambda: dialog.client_id is not None, timeout=10_000)
    assert services.actions.outbox.get(dialog.client_id).kind == OutboxKind.ORDER_REPLACE


def test_discount_dialog_takes_a_percentage_or_an_amount(window, qtbot, services):
    dialog = _open(window, qtbot, "discount")
    qtbot.waitUntil(dialog.confirm.isEnabled, timeout=10_000)
    assert "(10% off, once, until" in dialog.preview.text()
    dialog.inputs["amount"].setValue(5.0)  # both: refused
    qtbot.waitUntil(lambda: "either a percentage or an amount" in dialog.preview.text(), timeout=10_000)
    dialog.inputs["percent"].setValue(0)
    qtbot.waitUntil(dialog.confirm.isEnabled, timeout=10_000)
    assert "(5.00 EUR off, once, until" in dialog.preview.text()
    dialog.confirm.click()
    qtbot.waitUntil(lambda: dialog.client_id is not None, timeout=10_000)
    row = services.actions.outbox.get(dialog.client_id)
    assert row.kind == OutboxKind.ORDER_DISCOUNT and row.payload["code"].startswith("SORRY-")


def test_planning_and_queueing_run_no_sql_on_the_gui_thread(window, qtbot, filled):
    main = threading.main_thread()
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:
        if threading.current_thread() is main:
            seen.append(statement)

    _customer_with_orders(window, qtbot)
    event.listen(filled.db.engine, "before_cursor_execute", record)
    try:
        dialog = _open(window, qtbot, "refund")
        dialog.inputs["whole"].setChecked(True)
        qtbot.waitUntil(dialog.confirm.isEnabled, timeout=10_000)
        dialog.confirm.click()
        qtbot.waitUntil(lambda: dialog.client_id is not None, timeout=10_000)
    finally:
        event.remove(filled.db.engine, "before_cursor_execute", record)
    assert seen == []


def test_return_dialog_is_refused_before_shipping_and_queued_after(window, qtbot, services):
    panel = _customer_with_orders(window, qtbot)
    unfulfilled = next(i for i, o in enumerate(panel.profile.orders) if o.fulfillment_status == "unfulfilled")
    dialog = _open(window, qtbot, "return", unfulfilled)
    assert "has not shipped" in dialog.preview.text()
    dialog.reject()
    fulfilled = next(i for i, o in enumerate(panel.profile.orders) if o.fulfillment_status == "fulfilled")
    dialog = _open(window, qtbot, "return", fulfilled)
    dialog.inputs["line0"].setValue(1)
    dialog.inputs["reason"].setCurrentText("WRONG_ITEM")
    qtbot.waitUntil(dialog.confirm.isEnabled, timeout=10_000)
    assert "Return of 1 × Mug on" in dialog.preview.text() and "reason wrong item" in dialog.preview.text()
    dialog.confirm.click()
    qtbot.waitUntil(lambda: dialog.client_id is not None, timeout=10_000)
    assert services.actions.outbox.get(dialog.client_id).kind == OutboxKind.ORDER_RETURN

"""The confirmation dialog of an order action (refund, cancel, return, address, replacement, discount), opened from the
order panel and the command palette: the agent's choices, and exactly what will happen (lines, amount,
restock, notification) as the service plans it on a worker thread, before one click queues it."""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from deskapp.services.customers import OrderInfo
from deskapp.services.order_actions import (
    CANCEL_REASONS,
    REFUND_REASONS,
    RETURN_REASONS,
    OrderActionError,
    OrderActionService,
    Plan,
)
from deskapp.ui.tasks import TaskRunner

KINDS = {"refund": ("Refund order", "Refund"), "cancel": ("Cancel order", "Cancel the order"),
         "address": ("Change the shipping address", "Change the address"),
         "discount": ("Discount code for the customer of", "Create the code"),
         "replace": ("Send again at no charge:", "Create the replacement"),
         "return": ("Return items of", "Open the return")}
ADDRESS_FIELDS = (("address1", "Street"), ("address2", "Street (2nd line)"), ("zip", "Postal code"),
                  ("city", "City"), ("provinceCode", "Province / state"), ("countryCode", "Country (2 letters)"))


def plan_or_error(plan: Callable[..., Plan], *args: object, **kwargs: object) -> tuple[Plan | None, str]:
    """Runs on a worker: the plan, or why the action cannot be done (shown in the dialog, not logged)."""
    try:
        return plan(*args, **kwargs), ""
    except OrderActionError as exc:
        return None, str(exc)


class OrderActionDialog(QDialog):
    """``kind``: refund | cancel | return | address | replace | discount. Accepted once queued (``client_id``)."""

    def __init__(self, kind: str, order: OrderInfo, service: OrderActionService, tasks: TaskRunner, *,
                 conversation_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title, confirm = KINDS[kind]
        self.kind, self.order, self.service, self.tasks = kind, order, service, tasks
        self.conversation_id = conversation_id
        self.plan: Plan | None = None
        self.client_id: str | None = None
        self.setWindowTitle(f"{title} {order.number}")
        self.setAccessibleName(f"{title} {order.number}")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.inputs: dict[str, QWidget] = {}
        getattr(self, f"_build_{kind}")(form)
        self.preview = QLabel("Checking…")
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("What will happen")
        self.preview.setObjectName("orderActionPreview")
        layout.addWidget(QLabel("<b>What will happen</b>"))
        layout.addWidget(self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.addButton(confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setEnabled(False)
        self.buttons.accepted.connect(self._queue)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self._replan)
        self._replan()

    # --- the choices --------------------------------------------------------------------------------

    def _changed(self, *_args: object) -> None:
        self.confirm.setEnabled(False)
        self._debounce.start()

    def _check(self, form: QFormLayout, key: str, text: str, checked: bool) -> None:
        box = QCheckBox(text)
        box.setChecked(checked)
        box.toggled.connect(self._changed)
        form.addRow("", box)
        self.inputs[key] = box

    def _combo(self, form: QFormLayout, key: str, label: str, values: tuple[str, ...]) -> None:
        combo = QComboBox()
        combo.addItems(list(values))
        combo.currentIndexChanged.connect(self._changed)
        form.addRow(label, combo)
        self.inputs[key] = combo

    def _line_spins(self, form: QFormLayout, verb: str) -> None:
        for n, (title, quantity, sku, price) in enumerate(self.order.lines):
            spin = QSpinBox()
            spin.setRange(0, quantity)
            spin.setSuffix(f" of {quantity}")
            spin.setAccessibleName(f"{verb} quantity of {title}")
            spin.valueChanged.connect(self._changed)
            form.addRow(f"{title} ({sku}), {price:.2f} {self.order.currency}", spin)
            self.inputs[f"line{n}"] = spin

    def _chosen_lines(self) -> dict[int, int]:
        chosen = {n: int(self._number(f"line{n}")) for n in range(len(self.order.lines))}
        return {n: quantity for n, quantity in chosen.items() if quantity}

    def _build_return(self, form: QFormLayout) -> None:
        self._line_spins(form, "Return")
        self._combo(form, "reason", "Reason", RETURN_REASONS)
        note = QLineEdit()
        note.setAccessibleName("The customer's words")
        note.textChanged.connect(self._changed)
        form.addRow("Customer's words", note)
        self.inputs["note"] = note
        self._check(form, "notify", "The shop emails the customer", True)

    def _build_replace(self, form: QFormLayout) -> None:
        self._line_spins(form, "Replace")
        self._combo(form, "reason", "Reason", REFUND_REASONS)

    def _build_refund(self, form: QFormLayout) -> None:
        self._line_spins(form, "Refund")
        self._check(form, "shipping", "Refund the shipping", False)
        self._check(form, "whole", "Refund the whole order", False)
        amount = QDoubleSpinBox()
        amount.setRange(0.0, max(0.0, self.order.total))
        amount.setDecimals(2)
        amount.setSpecialValueText("the items' worth (shop's suggestion)")
        amount.setSuffix(f" {self.order.currency}")
        amount.valueChanged.connect(self._changed)
        form.addRow("Amount", amount)
        self.inputs["amount"] = amount
        self._combo(form, "reason", "Reason", REFUND_REASONS)
        self._check(form, "restock", "Put the items back in stock", False)
        self._check(form, "notify", "The shop emails the customer", True)

    def _build_cancel(self, form: QFormLayout) -> None:
        self._combo(form, "reason", "Reason", CANCEL_REASONS)
        self._check(form, "refund", "Refund what was paid", True)
        self._check(form, "restock", "Put the items back in stock", True)
        self._check(form, "notify", "The shop emails the customer", True)

    def _build_discount(self, form: QFormLayout) -> None:
        percent = QSpinBox()
        percent.setRange(0, 100)
        percent.setValue(10)
        percent.setSuffix(" %")
        percent.setSpecialValueText("an amount instead")
        percent.valueChanged.connect(self._changed)
        form.addRow("Percentage off", percent)
        self.inputs["percent"] = percent
        amount = QDoubleSpinBox()
        amount.setRange(0.0, 1000.0)
        amount.setDecimals(2)
        amount.setSuffix(f" {self.order.currency}")
        amount.valueChanged.connect(self._changed)
        form.addRow("Or an amount off", amount)
        self.inputs["amount"] = amount
        days = QSpinBox()
        days.setRange(1, 365)
        days.setValue(30)
        days.setSuffix(" days")
        days.valueChanged.connect(self._changed)
        form.addRow("Valid for", days)
        self.inputs["days"] = days

    def _build_address(self, form: QFormLayout) -> None:
        for key, label in ADDRESS_FIELDS:
            edit = QLineEdit()
            edit.setAccessibleName(label)
            edit.textChanged.connect(self._changed)
            form.addRow(label, edit)
            self.inputs[key] = edit

    # --- planning and queueing (on workers) ---------------------------------------------------------

    def _number(self, key: str) -> float:
        """A spin box's value (quantities, amounts, percentages, days)."""
        widget = self.inputs[key]
        return float(widget.value()) if isinstance(widget, QSpinBox | QDoubleSpinBox) else 0.0

    def _value(self, key: str) -> object:
        widget = self.inputs[key]
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox):
            return widget.currentText()
        if isinstance(widget, QLineEdit):
            return widget.text()
        return widget.value()  # type: ignore[attr-defined]

    def request(self) -> tuple[Callable[..., Plan], dict[str, Any]]:
        """The service's plan function and the agent's choices as its arguments."""
        if self.kind == "refund":
            amount = self._number("amount")
            return self.service.plan_refund, {
                "lines": self._chosen_lines(), "shipping": self._value("shipping"), "whole": self._value("whole"),
                "amount": amount if amount > 0 else None, "reason": self._value("reason"),
                "restock": self._value("restock"), "notify": self._value("notify")}
        if self.kind == "return":
            return self.service.plan_return, {"lines": self._chosen_lines(), "reason": self._value("reason"),
                                              "note": self._value("note"), "notify": self._value("notify")}
        if self.kind == "replace":
            return self.service.plan_replacement, {"lines": self._chosen_lines(), "reason": self._value("reason")}
        if self.kind == "discount":
            percent, amount = self._number("percent"), self._number("amount")
            return self.service.plan_discount, {"percentage": float(percent) if percent else None,
                                                "amount": amount if amount > 0 else None, "days": self._value("days")}
        if self.kind == "cancel":
            return self.service.plan_cancel, {k: self._value(k) for k in ("reason", "refund", "restock", "notify")}
        return self.service.plan_address, {"address": {k: self._value(k) for k, _ in ADDRESS_FIELDS}}

    def _replan(self) -> None:
        plan, kwargs = self.request()
        self.tasks.submit(plan_or_error, plan, self.order.id, **kwargs, on_done=self._planned,
                          key=f"order-plan-{id(self)}", priority=10)

    def _planned(self, result: tuple[Plan | None, str]) -> None:
        self.plan, why = result
        if self.plan is None:
            self.preview.setText(f"<span style='color:#b3261e'>{html_lib.escape(why)}</span>")
            self.confirm.setEnabled(False)
            return
        items = "".join(f"<li>{html_lib.escape(d)}</li>" for d in self.plan.details)
        self.preview.setText(f"<b>{html_lib.escape(self.plan.summary)}</b><ul style='margin:2px'>{items}</ul>"
                             "<small>Queued now and sent to the shop as soon as it can be reached;"
                             " a private note records it on the conversation.</small>")
        self.confirm.setEnabled(True)

    def _queue(self) -> None:
        if self.plan is None:
            return
        self.confirm.setEnabled(False)
        self.tasks.submit(self.service.queue, self.plan, conversation_id=self.conversation_id,
                          on_done=self._queued, on_error=self._failed)

    def _queued(self, client_id: str) -> None:
        self.client_id = client_id
        self.accept()

    def _failed(self, message: str) -> None:
        self.preview.setText(f"<span style='color:#b3261e'>Not queued: {html_lib.escape(message)}</span>")
        self.confirm.setEnabled(True)

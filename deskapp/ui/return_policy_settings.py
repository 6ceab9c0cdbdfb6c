"""The return policy section of Settings: window, excluded product tags and types, restocking fee; checked as
typed, read and kept through services.returns on a worker (the GUI thread runs no SQL)."""

from __future__ import annotations

import functools

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from deskapp.domain.returns import DEFAULT_POLICY, MAX_WINDOW_DAYS, PolicyError, ReturnPolicy, make_policy
from deskapp.services import returns as returns_service
from deskapp.services.workspace import AppWorkspace
from deskapp.ui.tasks import TaskRunner


class ReturnPolicyBox(QWidget):
    """Loads the kept policy at once (defaults until it arrives); Save validates, then stores it."""

    saved = Signal(object)  # the ReturnPolicy as kept

    def __init__(self, ws: AppWorkspace, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.tasks = ws, tasks
        self.setAccessibleName("Return policy")
        self.setMaximumWidth(760)  # short values: full-width fields across a wide window read badly
        self.window_days = QSpinBox()
        self.window_days.setRange(0, MAX_WINDOW_DAYS)
        self.window_days.setSuffix(" days after delivery")
        self.window_days.setAccessibleName("Return window in days")
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("e.g. final-sale, clearance")
        self.tags.setAccessibleName("Excluded product tags")
        self.types = QLineEdit()
        self.types.setPlaceholderText("e.g. Gift Card")
        self.types.setAccessibleName("Excluded product types")
        self.fee = QDoubleSpinBox()
        self.fee.setRange(0, 100)
        self.fee.setDecimals(2)
        self.fee.setSuffix(" %")
        self.fee.setAccessibleName("Restocking fee")
        self.save_button = QPushButton("Save return policy")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel("Orders show whether they can be returned under this policy; templates can say so.")
        self.status.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Return window", self.window_days)
        form.addRow("Never returnable: tags", self.tags)
        form.addRow("Never returnable: product types", self.types)
        form.addRow("Restocking fee", self.fee)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.status, 1)
        form.addRow(row)
        self.show_policy(DEFAULT_POLICY)
        tasks.submit(returns_service.load_policy, ws.profile, on_done=self.show_policy,
                     on_error=lambda message: self.status.setText(f"Could not read the policy: {message}"),
                     key="return-policy")

    def show_policy(self, policy: ReturnPolicy) -> None:
        self.window_days.setValue(policy.window_days)
        self.tags.setText(", ".join(policy.excluded_tags))
        self.types.setText(", ".join(policy.excluded_types))
        self.fee.setValue(float(policy.restocking_fee_pct))

    def save(self) -> bool:
        """Check what was typed; a valid policy is stored on a worker. False (and why) when it is not valid."""
        values = {"window_days": self.window_days.value(), "excluded_tags": self.tags.text(),
                  "excluded_types": self.types.text(), "restocking_fee_pct": f"{self.fee.value():.2f}"}
        try:
            make_policy(*values.values())
        except PolicyError as exc:
            self.status.setText(f"Not saved: {exc}.")
            return False
        self.save_button.setEnabled(False)

        def done(policy: ReturnPolicy) -> None:
            self.save_button.setEnabled(True)
            self.show_policy(policy)
            self.status.setText("Saved.")
            self.saved.emit(policy)

        def failed(message: str) -> None:
            self.save_button.setEnabled(True)
            self.status.setText(f"Not saved: {message}")

        save = functools.partial(returns_service.save_policy, self.ws.db, self.ws.profile, **values)
        self.tasks.submit(save, on_done=done, on_error=failed, key="return-policy")
        return True

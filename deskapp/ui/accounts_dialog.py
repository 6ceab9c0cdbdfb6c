"""Accounts for the Settings tab and first run: add, edit, test and remove Chatwoot and Shopify accounts.

Secrets go straight to the OS keyring (services.accounts); the dialog never shows a stored one.
Testing talks to the network, so it runs on the TaskRunner.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from deskapp.services import accounts as account_service
from deskapp.ui.tasks import TaskRunner

KINDS = [("Chatwoot", "chatwoot"), ("Shopify", "shopify")]


class AccountEditDialog(QDialog):
    """Name, kind, URL, the Chatwoot account number and the token (left empty on edit = keep)."""

    def __init__(self, parent: QWidget | None = None, *, account=None) -> None:
        super().__init__(parent)
        self.account = account
        self.setWindowTitle("Edit account" if account else "Add account")
        self.setAccessibleName(self.windowTitle())
        form = QFormLayout(self)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Account kind")
        for label, value in KINDS:
            self.kind.addItem(label, value)
        self.name = QLineEdit()
        self.name.setAccessibleName("Account name")
        self.url = QLineEdit()
        self.url.setAccessibleName("Address")
        self.url.setPlaceholderText("https://app.chatwoot.com or https://your-shop.myshopify.com")
        self.chatwoot_id = QSpinBox()
        self.chatwoot_id.setRange(1, 10_000_000)
        self.chatwoot_id.setAccessibleName("Chatwoot account number")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setAccessibleName("Access token")
        self.token.setPlaceholderText("kept in the OS keyring" + (" — leave empty to keep" if account else ""))
        form.addRow("Kind", self.kind)
        form.addRow("Name", self.name)
        form.addRow("Address", self.url)
        self.chatwoot_row_label = QLabel("Chatwoot account")
        form.addRow(self.chatwoot_row_label, self.chatwoot_id)
        form.addRow("Access token", self.token)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d93025;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        if account is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(str(account.kind))))
            self.kind.setEnabled(False)
            self.name.setText(account.name)
            self.url.setText(account.base_url)
            self.chatwoot_id.setValue(int(account.settings.get("account_id", 1) or 1))
        self._kind_changed()

    def _kind_changed(self) -> None:
        chatwoot = self.kind.currentData() == "chatwoot"
        self.chatwoot_id.setVisible(chatwoot)
        self.chatwoot_row_label.setVisible(chatwoot)

    def _check(self) -> None:
        url = self.url.text().strip()
        if not url.startswith(("http://", "https://")):
            self.error.setText("The address must start with http:// or https://")
            return
        if self.account is None and not self.token.text().strip():
            self.error.setText("The access token is needed")
            return
        self.accept()

    def values(self) -> dict:
        settings = dict(self.account.settings) if self.account else {}
        if self.kind.currentData() == "chatwoot":
            settings["account_id"] = self.chatwoot_id.value()
        return {"kind": self.kind.currentData(), "name": self.name.text().strip() or self.kind.currentText(),
                "base_url": self.url.text().strip(), "secret": self.token.text().strip(), "settings": settings}


class AccountsWidget(QWidget):
    """The list with Add / Edit / Test / Remove; ``changed()`` after any edit."""

    changed = Signal()

    def __init__(self, ws, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.tasks = ws, tasks
        self.setAccessibleName("Accounts")
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setAccessibleName("Accounts")
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.test_button = QPushButton("Test")
        self.remove_button = QPushButton("Remove")
        for b, name in ((self.add_button, "Add account"), (self.edit_button, "Edit account"),
                        (self.test_button, "Test account"), (self.remove_button, "Remove account")):
            b.setAccessibleName(name)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.result = QLabel()
        self.result.setAccessibleName("Test result")
        self.result.setWordWrap(True)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.test_button.clicked.connect(self.test)
        self.remove_button.clicked.connect(self.remove)
        self.list.itemDoubleClicked.connect(lambda _i: self.edit())
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        for account in account_service.list_accounts(self.ws):
            item = QListWidgetItem(f"{account.name} — {account.kind} — {account.base_url} ({account.state})")
            item.setData(Qt.ItemDataRole.UserRole, account.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _selected(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def add(self) -> None:
        dialog = AccountEditDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        v = dialog.values()
        try:
            account_service.add_account(self.ws, v["kind"], v["name"], v["base_url"], v["secret"], v["settings"])
        except Exception as exc:  # AccountError, CredentialError: shown as they are
            QMessageBox.warning(self, "Add account", str(exc))
            return
        self.reload()
        self.changed.emit()

    def edit(self) -> None:
        account_id = self._selected()
        if account_id is None:
            return
        dialog = AccountEditDialog(self, account=account_service.get_account(self.ws, account_id))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        v = dialog.values()
        try:
            account_service.update_account(self.ws, account_id, name=v["name"], base_url=v["base_url"],
                                           settings=v["settings"], secret=v["secret"] or None)
        except Exception as exc:
            QMessageBox.warning(self, "Edit account", str(exc))
            return
        self.reload()
        self.changed.emit()

    def test(self) -> None:
        account_id = self._selected()
        if account_id is None:
            return
        self.result.setText("Testing…")
        self.tasks.submit(account_service.test_account, self.ws, account_id,
                          on_done=lambda r: self.result.setText(("✔ " if r[0] else "✘ ") + r[1]),
                          on_error=lambda m: self.result.setText(f"✘ {m}"))

    def remove(self, *, confirm: bool = True) -> None:
        account_id = self._selected()
        if account_id is None:
            return
        if confirm and QMessageBox.question(
                self, "Remove account", "Remove this account, its drafts, everything synced from it and its token?") \
                != QMessageBox.StandardButton.Yes:
            return
        try:
            account_service.remove_account(self.ws, account_id)
        except Exception as exc:  # the keyring refused: the account stays, to be removed again
            QMessageBox.warning(self, "Remove account", str(exc))
            return
        self.reload()
        self.changed.emit()


class AccountsDialog(QDialog):
    def __init__(self, ws, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Accounts")
        self.setAccessibleName("Accounts")
        self.resize(620, 360)
        layout = QVBoxLayout(self)
        self.widget = AccountsWidget(ws, tasks, self)
        layout.addWidget(self.widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class FirstRunDialog(QDialog):
    """No account yet: try the demo workspace, or add a real account."""

    DEMO, ADD = 1, 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to deskapp")
        self.setAccessibleName("Welcome")
        self.choice = 0
        layout = QVBoxLayout(self)
        text = QLabel("<h3>Welcome to deskapp</h3><p>No account is set up yet. Try the demo workspace (a "
                      "built-in help desk and shop with sample customers, running on this computer only), or "
                      "connect your own Chatwoot and Shopify accounts.</p>")
        text.setWordWrap(True)
        layout.addWidget(text)
        demo = QPushButton("Open the demo workspace")
        demo.setAccessibleName("Open the demo workspace")
        add = QPushButton("Add an account…")
        add.setAccessibleName("Add an account")
        later = QPushButton("Later")
        demo.setDefault(True)
        demo.clicked.connect(lambda: self._pick(self.DEMO))
        add.clicked.connect(lambda: self._pick(self.ADD))
        later.clicked.connect(self.reject)
        row = QHBoxLayout()
        for b in (demo, add, later):
            row.addWidget(b)
        layout.addLayout(row)

    def _pick(self, choice: int) -> None:
        self.choice = choice
        self.accept()

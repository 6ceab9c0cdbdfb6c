"""Accounts for the Settings tab and first run: add, edit, test and remove Chatwoot, Shopify and mailbox
(IMAP + SMTP) accounts.

Secrets go straight to the OS keyring (services.accounts, services.mail_accounts); the dialog never shows a
stored one. Saving, testing and removing touch the keyring and the network, so they run on the TaskRunner;
the edit dialog stays open until its account is saved and shows why when it cannot be.
"""

from __future__ import annotations

import html

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
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from deskapp.services import accounts as account_service
from deskapp.services import mail_accounts
from deskapp.ui.mailbox_form import BAD_COLOUR, MailboxForm, format_check
from deskapp.ui.not_imported_panel import NotImportedPanel
from deskapp.ui.tasks import TaskRunner

KINDS = [("Chatwoot", "chatwoot"), ("Shopify", "shopify"), ("Mailbox (IMAP + SMTP)", "imap_smtp")]
MAILBOX = "imap_smtp"
_KIND_ROLE = Qt.ItemDataRole.UserRole + 1
_ACCOUNT_ROLE = Qt.ItemDataRole.UserRole + 2  # the Account the row shows, for the edit dialog


def save_account(ws, values: dict, account_id: int | None) -> str | None:
    """Runs on a worker: store the dialog's values (a new account when ``account_id`` is None); None when it
    worked, else what went wrong, for the agent."""
    try:
        if values["kind"] == MAILBOX:
            if account_id is None:
                mail_accounts.add_imap_account(ws, name=values["name"], secret=values["secret"], **values["fields"])
            else:
                mail_accounts.update_imap_account(ws, account_id, name=values["name"], secret=values["secret"],
                                                  **values["fields"])
        elif account_id is None:
            account_service.add_account(ws, values["kind"], values["name"], values["base_url"], values["secret"],
                                        values["settings"])
        else:
            account_service.update_account(ws, account_id, name=values["name"], base_url=values["base_url"],
                                           settings=values["settings"], secret=values["secret"] or None)
    except (ValueError, RuntimeError) as exc:  # bad settings (AccountError...), keyring or disk (CredentialError...)
        return str(exc)
    return None


def remove_account(ws, account_id: int) -> str | None:
    """Runs on a worker: None when the account and its secrets are gone, else why not."""
    try:
        account_service.remove_account(ws, account_id)
    except (ValueError, RuntimeError) as exc:  # the keyring refused: the account stays, to be removed again
        return str(exc)
    return None


def test_saved_account(ws, account_id: int, kind: str) -> str:
    """Runs on a worker: a mailbox signs in to IMAP and SMTP; the others pull their first page."""
    if kind == MAILBOX:
        return format_check(mail_accounts.check_mailbox(ws, account_id=account_id))
    ok, message = account_service.test_account(ws, account_id)
    return ("✔ " if ok else "✘ ") + message


class AccountEditDialog(QDialog):
    """Kind and name, then either the web account's address, Chatwoot number and token, or a mailbox's
    servers and sign-in (MailboxForm). Save stores it off the GUI thread; a secret left empty on edit is kept."""

    def __init__(self, parent: QWidget | None = None, *, ws, tasks: TaskRunner, account=None) -> None:
        super().__init__(parent)
        self.ws, self.tasks, self.account = ws, tasks, account
        self._closed = False
        self.setWindowTitle("Edit account" if account else "Add account")
        self.setAccessibleName(self.windowTitle())
        outer = QVBoxLayout(self)
        top = QFormLayout()
        self.kind = QComboBox()
        self.kind.setAccessibleName("Account kind")
        for label, value in KINDS:
            self.kind.addItem(label, value)
        self.name = QLineEdit()
        self.name.setAccessibleName("Account name")
        top.addRow("Kind", self.kind)
        top.addRow("Name", self.name)
        outer.addLayout(top)

        web = QWidget()
        form = QFormLayout(web)
        form.setContentsMargins(0, 0, 0, 0)
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
        form.addRow("Address", self.url)
        self.chatwoot_row_label = QLabel("Chatwoot account")
        form.addRow(self.chatwoot_row_label, self.chatwoot_id)
        form.addRow("Access token", self.token)
        self.mailbox = MailboxForm(editing=account is not None)
        scroll = QScrollArea()  # the mailbox's fields are taller than a small screen
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.mailbox)
        self.pages = QStackedWidget()
        self.pages.addWidget(web)
        self.pages.addWidget(scroll)
        outer.addWidget(self.pages, 1)
        # Under the scrolled fields, beside Save: the test's answer is always in sight.
        self.test_button = QPushButton("Test connection")
        self.test_button.setAccessibleName("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setAccessibleName("Connection test result")
        self.test_result.setWordWrap(True)
        self.test_result.setTextFormat(Qt.TextFormat.RichText)
        self.test_row = QWidget()
        test_layout = QHBoxLayout(self.test_row)
        test_layout.setContentsMargins(0, 0, 0, 0)
        test_layout.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_layout.addWidget(self.test_result, 1)
        outer.addWidget(self.test_row)

        self.error = QLabel()
        self.error.setAccessibleName("Problem")
        self.error.setStyleSheet("color: #d93025;")
        self.error.setWordWrap(True)
        outer.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        if account is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(str(account.kind))))
            self.kind.setEnabled(False)
            self.name.setText(account.name)
            if str(account.kind) == MAILBOX:
                self.mailbox.load(dict(account.settings or {}))
            else:
                self.url.setText(account.base_url)
                self.chatwoot_id.setValue(int(account.settings.get("account_id", 1) or 1))
        self._kind_changed()

    def is_mailbox(self) -> bool:
        return self.kind.currentData() == MAILBOX

    def _kind_changed(self) -> None:
        chatwoot = self.kind.currentData() == "chatwoot"
        self.chatwoot_id.setVisible(chatwoot)
        self.chatwoot_row_label.setVisible(chatwoot)
        self.pages.setCurrentIndex(1 if self.is_mailbox() else 0)
        self.test_row.setVisible(self.is_mailbox())
        if self.is_mailbox():
            self.resize(max(self.width(), 560), max(self.height(), 640))

    def problem(self) -> str | None:
        """What the agent must fix before saving (the services check the rest while saving)."""
        if self.is_mailbox():
            return self.mailbox.problem()
        if not self.url.text().strip().startswith(("http://", "https://")):
            return "The address must start with http:// or https://"
        if self.account is None and not self.token.text().strip():
            return "The access token is needed"
        return None

    def values(self) -> dict:
        name = self.name.text().strip()
        if self.is_mailbox():
            return {"kind": MAILBOX, "name": name, "secret": self.mailbox.secret.text().strip(),
                    "fields": self.mailbox.fields()}
        settings = dict(self.account.settings) if self.account else {}
        if self.kind.currentData() == "chatwoot":
            settings["account_id"] = self.chatwoot_id.value()
        return {"kind": self.kind.currentData(), "name": name or self.kind.currentText(),
                "base_url": self.url.text().strip(), "secret": self.token.text().strip(), "settings": settings}

    def save(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        self.error.setText("Saving…")
        self.buttons.setEnabled(False)
        self.tasks.submit(save_account, self.ws, self.values(), self.account.id if self.account else None,
                          on_done=self._saved, on_error=self._saved)

    def _saved(self, problem: str | None) -> None:
        if self._closed:
            return
        self.buttons.setEnabled(True)
        if problem:
            self.error.setText(problem)
            return
        self.error.clear()
        self.accept()

    def test_connection(self) -> None:
        """Sign in to the mailbox's IMAP and SMTP servers as the form says, off the GUI thread."""
        problem = self.mailbox.problem()
        if problem:
            self._test_failed(problem)
            return
        self.test_result.setText("Testing…")
        self.tasks.submit(mail_accounts.check_mailbox, self.ws, secret=self.mailbox.secret.text(),
                          account_id=self.account.id if self.account else None, **self.mailbox.fields(),
                          key=f"mailbox-test-{id(self)}", on_done=self._tested, on_error=self._test_failed)

    def _tested(self, check) -> None:
        if not self._closed:
            self.test_result.setText(format_check(check))

    def _test_failed(self, message: str) -> None:
        if not self._closed:
            self.test_result.setText(f'<span style="color:{BAD_COLOUR}">✘ {html.escape(message)}</span>')

    def done(self, result: int) -> None:
        self._closed = True  # a save or a test still running must not touch a closed dialog
        super().done(result)


class AccountsWidget(QWidget):
    """The list with Add / Edit / Test / Remove; ``changed()`` after any edit."""

    changed = Signal()

    def __init__(self, ws, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.tasks = ws, tasks
        self.dialog: AccountEditDialog | None = None
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
        self.not_imported = NotImportedPanel(ws.db, tasks, self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addWidget(self.not_imported)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.test_button.clicked.connect(self.test)
        self.remove_button.clicked.connect(self.remove)
        self.list.itemDoubleClicked.connect(lambda _i: self.edit())
        self.reload()

    def reload(self) -> None:
        """List the accounts again (read on a worker)."""
        self.tasks.submit(account_service.list_accounts, self.ws, on_done=self._listed, key=f"accounts-{id(self)}")

    def _listed(self, accounts: list) -> None:
        self.list.clear()
        self.not_imported.reload({a.id: a.name for a in accounts})
        for account in accounts:
            state = f"{account.state}: {account.last_error}" if account.last_error else str(account.state)
            item = QListWidgetItem(f"{account.name} — {account.kind} — {account.base_url} ({state})")
            item.setData(Qt.ItemDataRole.UserRole, account.id)
            item.setData(_KIND_ROLE, str(account.kind))
            item.setData(_ACCOUNT_ROLE, account)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _selected(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def add(self) -> None:
        self._open(AccountEditDialog(self, ws=self.ws, tasks=self.tasks))

    def edit(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self._open(AccountEditDialog(self, ws=self.ws, tasks=self.tasks, account=item.data(_ACCOUNT_ROLE)))

    def _open(self, dialog: AccountEditDialog) -> None:
        """Window-modal, without a nested event loop: the dialog saves itself and closes when that worked."""
        self.dialog = dialog
        dialog.accepted.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _saved(self) -> None:
        self.reload()
        self.changed.emit()

    def test(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.result.setText("Testing…")
        self.tasks.submit(test_saved_account, self.ws, int(item.data(Qt.ItemDataRole.UserRole)),
                          str(item.data(_KIND_ROLE)), on_done=self.result.setText,
                          on_error=lambda m: self.result.setText(f"✘ {m}"))

    def remove(self, *, confirm: bool = True) -> None:
        account_id = self._selected()
        if account_id is None:
            return
        if confirm and QMessageBox.question(
                self, "Remove account", "Remove this account, its drafts, everything synced from it and its token?") \
                != QMessageBox.StandardButton.Yes:
            return
        self.remove_button.setEnabled(False)
        self.tasks.submit(remove_account, self.ws, account_id, on_done=self._removed, on_error=self._removed)

    def _removed(self, problem: str | None) -> None:
        self.remove_button.setEnabled(True)
        if problem:
            QMessageBox.warning(self, "Remove account", problem)
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
                      "connect your own Chatwoot, Shopify and mailbox accounts.</p>")
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

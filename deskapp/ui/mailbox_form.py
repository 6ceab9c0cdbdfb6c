"""The fields of a mailbox account (what `deskapp account add imap` asks) for the accounts dialog, and how a
connection test's findings read. Widgets only: the dialog runs the saving and the test off the GUI thread.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

SECURITY = [("TLS", "tls"), ("STARTTLS", "starttls"), ("None (a server on this computer only)", "plain")]
IMAP_PORTS = {"tls": 993, "starttls": 143, "plain": 143}
SMTP_PORTS = {"tls": 465, "starttls": 587, "plain": 25}
SIGN_IN = [("Password", "password"), ("OAuth2 access token (XOAUTH2)", "xoauth2")]
PROBLEM_WORDS = {"host": "server", "tls": "TLS", "auth": "sign-in", "server": "server error", "settings": "settings"}
OK_COLOUR, BAD_COLOUR = "#188038", "#d93025"


def format_check(check) -> str:
    """A MailboxCheck (services.mail_accounts) as rich text: one line per server, what worked or what failed."""
    lines = []
    for r in check.results:
        if r.ok:
            lines.append(f'<span style="color:{OK_COLOUR}">✔ {r.server}</span>: {html.escape(r.message)}')
        else:
            what = PROBLEM_WORDS.get(r.problem, r.problem)
            lines.append(f'<span style="color:{BAD_COLOUR}">✘ {r.server} ({what})</span>: {html.escape(r.message)}')
    return "<br>".join(lines)


def _security_box(name: str) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    for label, value in SECURITY:
        box.addItem(label, value)
    return box


def _port_box(name: str, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(1, 65535)
    box.setValue(value)
    box.setAccessibleName(name)
    return box


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    return edit


class MailboxForm(QWidget):
    """IMAP and SMTP servers, the sign-in, the address replies come from, and the rarer settings."""

    def __init__(self, parent: QWidget | None = None, *, editing: bool = False) -> None:
        super().__init__(parent)
        self.editing = editing
        self.imap_host = _line("IMAP server", "imap.example.com")
        self.imap_port = _port_box("IMAP port", IMAP_PORTS["tls"])
        self.imap_security = _security_box("IMAP security")
        self.smtp_host = _line("SMTP server", "the same as the IMAP server")
        self.smtp_port = _port_box("SMTP port", SMTP_PORTS["tls"])
        self.smtp_security = _security_box("SMTP security")
        self.user = _line("User name", "usually the mailbox's address")
        self.auth = QComboBox()
        self.auth.setAccessibleName("Sign-in method")
        for label, value in SIGN_IN:
            self.auth.addItem(label, value)
        self.secret = _line("Password", "kept in the OS keyring" + (" — leave empty to keep" if editing else ""))
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.email = _line("Address", "support@example.com (the user name when it is an address)")
        self.display_name = _line("Display name", "the name customers see, e.g. Example Support")
        self.folders = _line("Folders to sync", "INBOX, Sent")
        self.sent_folder = _line("Sent folder", "Sent")
        self.ca_file = _line("Extra CA certificate", "a PEM file, only for a company's own certificate authority")
        choose = QPushButton("Choose…")
        choose.setAccessibleName("Choose a CA certificate")
        choose.clicked.connect(self._choose_ca)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(choose)
        sections: tuple[tuple[str, list[tuple[str, QWidget | QLayout]]], ...] = (
            ("Incoming mail (IMAP)", [("Server", self.imap_host), ("Port", self.imap_port),
                                      ("Security", self.imap_security)]),
            ("Outgoing mail (SMTP)", [("Server", self.smtp_host), ("Port", self.smtp_port),
                                      ("Security", self.smtp_security)]),
            ("Sign-in", [("User name", self.user), ("Method", self.auth), ("Password", self.secret)]),
            ("Replies come from", [("Address", self.email), ("Name", self.display_name)]),
            ("Advanced", [("Folders", self.folders), ("Sent folder", self.sent_folder), ("Extra CA", ca_row)]),
        )
        for title, rows in sections:
            group = QGroupBox(title)
            form = QFormLayout(group)
            for label, field in rows:
                form.addRow(label, field)
            if title == "Sign-in":
                self.secret_label = form.labelForField(self.secret)
            layout.addWidget(group)

        self._security = {self.imap_security: "tls", self.smtp_security: "tls"}
        self.imap_security.currentIndexChanged.connect(
            lambda: self._security_changed(self.imap_security, self.imap_port, IMAP_PORTS))
        self.smtp_security.currentIndexChanged.connect(
            lambda: self._security_changed(self.smtp_security, self.smtp_port, SMTP_PORTS))
        self.auth.currentIndexChanged.connect(self._auth_changed)

    def _security_changed(self, box: QComboBox, port: QSpinBox, defaults: dict[str, int]) -> None:
        """The port follows the security while it is still the previous one's default (a typed port stays)."""
        before, now = self._security[box], box.currentData()
        if port.value() == defaults[before]:
            port.setValue(defaults[now])
        self._security[box] = now

    def _auth_changed(self) -> None:
        word = "Token" if self.auth.currentData() == "xoauth2" else "Password"
        self.secret.setAccessibleName(word)
        if isinstance(self.secret_label, QLabel):
            self.secret_label.setText(word)

    def _choose_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "CA certificate", "", "Certificates (*.pem *.crt);;All files (*)")
        if path:
            self.ca_file.setText(path)

    def load(self, settings: dict) -> None:
        """Fill the form from a saved account's settings (the secret is never shown)."""
        for box, key, ports, port in ((self.imap_security, "security", IMAP_PORTS, self.imap_port),
                                      (self.smtp_security, "smtp_security", SMTP_PORTS, self.smtp_port)):
            box.setCurrentIndex(max(0, box.findData(settings.get(key) or "tls")))
            port.setValue(int(settings.get("port" if box is self.imap_security else "smtp_port")
                              or ports[box.currentData()]))
        self.imap_host.setText(settings.get("host", ""))
        smtp_host = settings.get("smtp_host", "")
        self.smtp_host.setText("" if smtp_host == settings.get("host") else smtp_host)
        self.user.setText(settings.get("user", ""))
        self.auth.setCurrentIndex(max(0, self.auth.findData(settings.get("auth") or "password")))
        self.email.setText(settings.get("email", ""))
        self.display_name.setText(settings.get("display_name", ""))
        folders = list(settings.get("folders") or [])
        self.folders.setText("" if folders in ([], ["INBOX", settings.get("sent_folder", "Sent")]) else
                             ", ".join(folders))
        self.sent_folder.setText("" if settings.get("sent_folder", "Sent") == "Sent" else settings["sent_folder"])
        self.ca_file.setText(settings.get("ca_file", ""))

    def fields(self) -> dict:
        """The keyword arguments of services.mail_accounts (add, update, check), without the secret."""
        folders = [f.strip() for f in self.folders.text().split(",") if f.strip()]
        return {
            "host": self.imap_host.text().strip(), "port": self.imap_port.value(),
            "security": self.imap_security.currentData(), "smtp_host": self.smtp_host.text().strip(),
            "smtp_port": self.smtp_port.value(), "smtp_security": self.smtp_security.currentData(),
            "user": self.user.text().strip(), "auth": self.auth.currentData(), "email": self.email.text().strip(),
            "display_name": self.display_name.text().strip(), "folders": folders or None,
            "sent_folder": self.sent_folder.text().strip() or "Sent", "ca_file": self.ca_file.text().strip(),
        }

    def problem(self) -> str | None:
        """What must be filled in before saving or testing; the services check the rest."""
        if not self.imap_host.text().strip():
            return "The IMAP server is needed"
        if not self.user.text().strip():
            return "The user name is needed"
        if not self.editing and not self.secret.text().strip():
            return f"The {self.secret.accessibleName().lower()} is needed"
        return None

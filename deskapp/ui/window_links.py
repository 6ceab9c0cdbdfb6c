"""The main window's thread links and template picker: deskapp: links of the thread view (earlier/newer
messages, remote images, attachments, whole messages, timeline conversations), http(s) links, and
templates inserted into the composer. A mixin of MainWindow (it uses its page, db, tasks and workspace).
"""

from __future__ import annotations

import html as html_lib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu

from deskapp.services import templates as template_service
from deskapp.services import thread as thread_service
from deskapp.services.workspace import AppWorkspace, Database
from deskapp.ui.pickers import ChoiceDialog

if TYPE_CHECKING:
    from deskapp.ui.inbox_page import InboxPage
    from deskapp.ui.tasks import TaskRunner


def choices(rows: list[template_service.TemplateRow]) -> list[dict[str, Any]]:
    """The picker's entries: the agent's own templates and the synced canned responses."""
    return [{"id": t.id, "name": t.name, "body": t.body, "shortcut": t.shortcut or ""} for t in rows]


class ThreadLinksMixin(QMainWindow):
    """Needs ``self.page``, ``self.db``, ``self.ws``, ``self.tasks``, ``show_message`` and ``show_error``."""

    page: InboxPage
    db: Database
    ws: AppWorkspace
    tasks: TaskRunner
    show_message: Callable[[str], None]
    show_error: Callable[[str], None]

    def pick_template(self, filter_text: str) -> None:
        """The template picker (or, for an exact /shortcut, that template) once the templates are read."""
        cid = self.page.current_id
        if cid is None:
            return
        self.tasks.submit(template_service.list_templates, self.db, self.ws.profile, key="template-picker",
                          on_done=lambda rows: self._choose_template(cid, filter_text, choices(rows)))

    def _choose_template(self, cid: int, filter_text: str, all_templates: list[dict[str, Any]]) -> None:
        if self.page.current_id != cid:
            return  # the agent moved on while the templates were read
        shortcut = filter_text[1:] if filter_text.startswith("/") else None
        if shortcut:
            exact = [t for t in all_templates if t["shortcut"].lstrip("/") == shortcut]
            if len(exact) == 1:
                self._insert_template(cid, exact[0])
                return
        items = [(f"{t['name']}" + (f"  /{t['shortcut'].lstrip('/')}" if t["shortcut"] else ""), t, t["body"][:400])
                 for t in all_templates]
        dialog = ChoiceDialog("Insert a template", items, parent=self, filter_text=shortcut or "", preview=True,
                              placeholder="Search templates by name or shortcut")
        self.template_dialog = dialog
        if dialog.exec() == ChoiceDialog.DialogCode.Accepted and dialog.chosen is not None:
            self._insert_template(cid, dialog.chosen)

    def _insert_template(self, conversation_id: int, template: dict[str, Any]) -> None:
        """Variables filled from the customer and their latest order (sandboxed Jinja2), read on a worker."""
        def rendered(result: template_service.RenderResult) -> None:
            if self.page.current_id == conversation_id:
                self.page.composer.insert_text(result.text)

        self.tasks.submit(template_service.preview, self.db, template["body"], conversation_id, on_done=rendered,
                          on_error=self.show_error)

    def _link(self, url: str) -> None:
        if url == "deskapp:more":
            self.page.show_more()
        elif url == "deskapp:newer":
            self.page.show_newer()
        elif url.startswith("deskapp:load-images/"):
            self.page.allow_images(int(url.rsplit("/", 1)[1]))
        elif url.startswith("deskapp:conversation/"):
            self.page.open_conversation_anywhere(int(url.rsplit("/", 1)[1]))
        elif url.startswith("deskapp:attachment/"):
            self._attachment(int(url.rsplit("/", 1)[1]))
        elif url.startswith("deskapp:full-message/"):
            self._full_message(int(url.rsplit("/", 1)[1]))
        elif url.lower().startswith(("http://", "https://", "mailto:")):
            QDesktopServices.openUrl(QUrl(url))

    def _attachment(self, attachment_id: int) -> None:
        self.tasks.submit(thread_service.attachment, self.db, attachment_id,
                          on_done=lambda info: self._attachment_menu(attachment_id, info))

    def _attachment_menu(self, attachment_id: int, info: thread_service.AttachmentInfo | None) -> None:
        if info is None:
            return
        menu = QMenu(self)
        open_action = menu.addAction("Open")
        menu.addAction("Save as…")
        chosen = menu.exec(self.cursor().pos())
        if chosen is None:
            return

        def got(path: Path | None) -> None:
            if path is None:
                self.show_message(f"{info.filename} could not be downloaded")
            elif chosen is open_action:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
            else:
                target, _ = QFileDialog.getSaveFileName(self, "Save attachment", info.filename)
                if target:
                    Path(target).write_bytes(path.read_bytes())

        self.tasks.submit(thread_service.fetch_attachment, self.db, self.ws.paths.attachments_dir, attachment_id,
                          on_done=got, on_error=self.show_error)

    def _full_message(self, message_id: int) -> None:
        """A too-big message opens, sanitized, in the browser (it would freeze the thread view)."""
        message = next((m for m in (self.page.opened.thread.messages if self.page.opened else [])
                        if m.id == message_id), None)
        if message is None:
            return

        self.tasks.submit(write_full_message, message_id, message.html, message.text,
                          on_done=lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(p)))


def write_full_message(message_id: int, html: str | None, text: str) -> str:
    """A private temp file holding the message for the browser (on a worker): its HTML sanitized, or its
    plain text escaped, so nothing a customer wrote runs or loads there."""
    from deskapp.services.html_safety import sanitize_html

    folder = Path(tempfile.mkdtemp(prefix="deskapp-message-"))
    path = folder / f"message-{message_id}.html"
    body = sanitize_html(html) if html else f"<pre>{html_lib.escape(text)}</pre>"
    path.write_text(f"<meta charset='utf-8'>{body}", encoding="utf-8")
    return str(path)

"""The main window's ways into automation: the Rules screen, and running a macro on the selected conversations
(a command palette entry with its own shortcut). The window calls these with itself; they need its task runner,
page, workspace and action service.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from deskapp.domain.automation import Macro
from deskapp.services.automation import AutomationError, AutomationService, acknowledgements
from deskapp.services.macros import MacroRunner, unqueueable
from deskapp.services.templates import list_templates
from deskapp.ui.pickers import ChoiceDialog
from deskapp.ui.rules_view import RulesView

if TYPE_CHECKING:
    from deskapp.ui.main_window import MainWindow


def _service(window: MainWindow) -> AutomationService:
    return AutomationService(window.db, window.ws.secrets)


def open_rules(window: MainWindow) -> None:
    """Open (or raise) the Rules screen on the first Chatwoot hub."""
    existing = window.rules_view
    if existing is not None and existing.isVisible():
        existing.raise_()
        existing.activateWindow()
        return
    service = _service(window)

    def templates() -> list[tuple[str, str]]:  # runs on the worker, with the rules
        return acknowledgements([(t.name, t.body) for t in list_templates(window.db, window.ws.profile)])

    def show(accounts: list[tuple[int, str]]) -> None:
        if not accounts:
            window.show_error("Automation rules live on a Chatwoot hub; add one in Accounts first.")
            return
        view = RulesView(service, accounts[0][0], runner=window.tasks, templates=templates, clock=window.clock,
                         parent=window)
        view.conversation_opened.connect(lambda cid: _open_conversation(window, cid))
        window.rules_view = view
        view.show()

    window.tasks.submit(service.chatwoot_accounts, on_done=show, on_error=window.show_error)


def _open_conversation(window: MainWindow, conversation_id: int) -> None:
    window.tabs.setCurrentWidget(window.page)
    window.page.show_id_list([conversation_id], "From a rule's preview")
    window.activateWindow()


def run_macro(window: MainWindow) -> None:
    """Pick a macro (fetched again from the hub when it answers) and queue it on the selected conversations."""
    ids = window.page.selected_ids()
    actions = window.actions_ctl.actions
    if not ids:
        window.show_message("Select the conversations to run a macro on first.")
        return
    if actions is None:
        window.show_error("The outbox is not open: macros cannot be queued in this session.")
        return
    service = _service(window)

    def load() -> tuple[int, list[Macro]]:
        accounts = service.chatwoot_accounts()
        if not accounts:
            raise AutomationError("macros live on a Chatwoot hub; add one in Accounts first")
        account_id = accounts[0][0]
        with contextlib.suppress(AutomationError):  # offline: the macros fetched last time still run
            service.refresh(account_id, macros_only=True)
        return account_id, service.cached_macros(account_id)

    def choose(found: tuple[int, list[Macro]]) -> None:
        account_id, macros = found
        if not macros:
            window.show_message("The hub has no macros yet: create one in Automation rules and macros.")
            return
        items = [(m.name + ("  (cannot be queued: " + ", ".join(unqueueable(m)) + ")" if unqueueable(m) else ""), m)
                 for m in macros]
        dialog = ChoiceDialog(f"Run a macro on {len(ids)} conversation(s)", items, parent=window,
                              placeholder="Type a macro's name")
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
            return
        macro: Macro = dialog.chosen

        def ran(result: object) -> None:
            window.page.refresh(getattr(result, "changes", None))
            window.show_message(f"Macro {macro.name!r} queued on {len(ids)} conversation(s)")

        window.tasks.submit(MacroRunner(window.db, actions).run, macro, ids, account_id=account_id, on_done=ran,
                            on_error=window.show_error)

    window.tasks.submit(load, on_done=choose, on_error=window.show_error)

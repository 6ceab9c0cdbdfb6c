"""The Rules screen (supervisors): the hub's automation rules listed, edited, previewed over the local cache
before saving, switched on and off; and the macros, edited. Every call to the service runs on the task runner.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from deskapp.domain.automation import EVENTS, MACRO_ACTIONS, RULE_ACTIONS, AutomationRule, Macro
from deskapp.services.automation import AutomationService, Preview
from deskapp.ui.rule_rows import ActionRow, Choices, ConditionRow, RowList
from deskapp.ui.tasks import TaskRunner

EVENT_TEXT = {"conversation_created": "A conversation is created", "conversation_updated": "A conversation changes",
              "conversation_opened": "A conversation is opened", "message_created": "A message arrives"}
PREVIEW_DAYS = 7
ERROR_STYLE = "color: #c62828;"


class RuleEditor(QWidget):
    """One rule's name, event, conditions and actions; ``rule()`` reads them back as the hub's shape."""

    def __init__(self, pickers: dict[str, Any], templates: Choices) -> None:
        super().__init__()
        self.rule_id: int | None = None
        self.active = True
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setAccessibleName("Rule name")
        self.when = QComboBox()
        self.when.setAccessibleName("When")
        for event in EVENTS:
            self.when.addItem(EVENT_TEXT[event], event)
        self.conditions = RowList(lambda remove: ConditionRow(pickers, remove), "Add condition", self._joiners)
        self.action_rows = RowList(lambda remove: ActionRow(RULE_ACTIONS, pickers, templates, remove), "Add action")
        form.addRow("Name", self.name)
        form.addRow("When", self.when)
        form.addRow("If", self.conditions)
        form.addRow("Then", self.action_rows)

    def _joiners(self) -> None:
        """The last condition joins nothing: its and/or is hidden (and sent as null)."""
        for i, row in enumerate(self.conditions.rows):
            if isinstance(row, ConditionRow):
                row.joiner.setVisible(i < len(self.conditions.rows) - 1)

    def load(self, rule: AutomationRule | None) -> None:
        self.conditions.clear()
        self.action_rows.clear()
        self.rule_id = rule.id if rule else None
        self.active = rule.active if rule else True
        self.name.setText(rule.name if rule else "")
        self.when.setCurrentIndex(max(0, self.when.findData(rule.event_name if rule else EVENTS[0])))
        for cond in rule.conditions if rule else ():
            row = self.conditions.add()
            assert isinstance(row, ConditionRow)
            row.set_condition(cond)
        for action in rule.actions if rule else ():
            row = self.action_rows.add()
            assert isinstance(row, ActionRow)
            row.set_action(action)

    def rule(self) -> AutomationRule:
        rows = [r for r in self.conditions.rows if isinstance(r, ConditionRow)]
        conditions = tuple(r.condition(i == len(rows) - 1) for i, r in enumerate(rows))
        actions = tuple(r.action() for r in self.action_rows.rows if isinstance(r, ActionRow))
        return AutomationRule(self.rule_id, self.name.text().strip(), self.when.currentData(), conditions, actions,
                              active=self.active)


class RulesView(QDialog):
    """``conversation_opened(local id)``: the agent asked to see a conversation the preview listed."""

    conversation_opened = Signal(int)

    def __init__(self, service: AutomationService, account_id: int, *, runner: TaskRunner,
                 templates: Callable[[], list[tuple[str, str]]] | None = None,
                 clock: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Automation rules and macros")
        self.setAccessibleName("Automation rules")
        self.resize(1180, 760)
        self.service, self.account_id, self.runner, self.clock = service, account_id, runner, clock
        self.templates = templates or (lambda: [])
        self.rules: list[AutomationRule] = []
        self.macros: list[Macro] = []
        self.pickers: dict[str, Any] = {}
        self.preview_result: Preview | None = None
        self.previewed: AutomationRule | None = None
        layout = QVBoxLayout(self)
        self.notice = QLabel("Loading the hub's rules…")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Rules status")
        self.tabs = QTabWidget()
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        self._build_rules_tab()
        self._build_macros_tab()
        self.reload()

    # --- layout -------------------------------------------------------------------------------------------
    def _build_rules_tab(self) -> None:
        page = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        self.rule_list = QListWidget()
        self.rule_list.setAccessibleName("Rules")
        self.rule_list.currentRowChanged.connect(self._rule_chosen)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New rule")
        self.new_button.clicked.connect(lambda: self._edit(None))
        self.toggle_button = QPushButton("Disable")
        self.toggle_button.clicked.connect(self.toggle_current)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_current)
        for b in (self.new_button, self.toggle_button, self.delete_button):
            buttons.addWidget(b)
        self.all_off_button = QPushButton("Switch every rule off")
        self.all_off_button.setToolTip("Stops all automation on the hub at once; each rule can be enabled again")
        self.all_off_button.clicked.connect(self.switch_all_off)
        lv.addWidget(self.rule_list, 1)
        lv.addLayout(buttons)
        lv.addWidget(self.all_off_button)
        right = QWidget()
        rv = QVBoxLayout(right)
        self.editor_slot = QScrollArea()
        self.editor_slot.setWidgetResizable(True)
        self.editor = RuleEditor({}, [])
        self.editor_slot.setWidget(self.editor)
        actions = QHBoxLayout()
        self.preview_button = QPushButton(f"Preview on the last {PREVIEW_DAYS} days")
        self.preview_button.clicked.connect(self.preview)
        self.save_button = QPushButton("Save to the hub")
        self.save_button.clicked.connect(self.save)
        actions.addWidget(self.preview_button)
        actions.addWidget(self.save_button)
        actions.addStretch(1)
        self.summary = QLabel("Preview a rule to see what it would have done.")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Preview summary")
        self.hits = QListWidget()
        self.hits.setAccessibleName("Conversations the rule would have matched")
        self.hits.itemActivated.connect(self._hit_opened)
        rv.addWidget(self.editor_slot, 3)
        rv.addLayout(actions)
        rv.addWidget(self.summary)
        rv.addWidget(self.hits, 2)
        page.addWidget(left)
        page.addWidget(right)
        page.setSizes([300, 880])
        self.tabs.addTab(page, "Rules")

    def _build_macros_tab(self) -> None:
        page = QSplitter(Qt.Orientation.Horizontal)
        self.macro_list = QListWidget()
        self.macro_list.setAccessibleName("Macros")
        self.macro_list.currentRowChanged.connect(self._macro_chosen)
        right = QWidget()
        form = QFormLayout(right)
        self.macro_name = QLineEdit()
        self.macro_name.setAccessibleName("Macro name")
        self.macro_visibility = QComboBox()
        self.macro_visibility.addItem("Only me", "personal")
        self.macro_visibility.addItem("Everyone", "global")
        self.macro_actions = RowList(lambda remove: ActionRow(MACRO_ACTIONS, self.pickers, [], remove), "Add action")
        buttons = QHBoxLayout()
        new, save, delete = QPushButton("New macro"), QPushButton("Save macro"), QPushButton("Delete macro")
        new.clicked.connect(lambda: self._load_macro(None))
        save.clicked.connect(self.save_macro)
        delete.clicked.connect(self.delete_macro)
        for b in (new, save, delete):
            buttons.addWidget(b)
        form.addRow("Name", self.macro_name)
        form.addRow("Visible to", self.macro_visibility)
        form.addRow("Actions", self.macro_actions)
        form.addRow(buttons)
        self.macro_id: int | None = None
        page.addWidget(self.macro_list)
        page.addWidget(right)
        page.setSizes([300, 880])
        self.tabs.addTab(page, "Macros")

    # --- loading ------------------------------------------------------------------------------------------
    def reload(self) -> None:
        def fetch() -> tuple[bool | None, list, list, dict, list, str]:
            problem = ""
            readable: bool | None = None
            try:
                readable = self.service.refresh(self.account_id)
            except Exception as exc:  # shown, and the cached copy is used: the hub may be down
                problem = f"The hub could not be read ({exc}); showing the last copy."
            return (readable, self.service.cached_rules(self.account_id), self.service.cached_macros(self.account_id),
                    self.service.pickers(self.account_id), self.templates(), problem)

        self.runner.submit(fetch, on_done=self._loaded, on_error=self._failed, key="rules-load")

    def _loaded(self, result: tuple[bool | None, list, list, dict, list, str]) -> None:
        readable, self.rules, self.macros, self.pickers, templates, problem = result
        self.editor = RuleEditor(self.pickers, templates)
        self.editor_slot.setWidget(self.editor)
        self._fill_rules()
        self._fill_macros()
        rules_tab = self.tabs.widget(0)
        if rules_tab is not None:
            rules_tab.setEnabled(readable is not False)  # the hub lets administrators only touch rules
        if problem:
            self._say(problem, error=True)
        elif readable is False:
            self._say("The hub shows automation rules to administrators only: sign in as a supervisor to edit "
                      "them. Macros are yours to edit.")
        else:
            self._say(f"{len(self.rules)} rule(s) and {len(self.macros)} macro(s) on the hub.")
        self._edit(self.rules[0] if self.rules else None)

    def _fill_rules(self) -> None:
        self.rule_list.blockSignals(True)
        self.rule_list.clear()
        for rule in self.rules:
            when = EVENT_TEXT.get(rule.event_name, rule.event_name)
            item = QListWidgetItem(f"{'●' if rule.active else '○'} {rule.name}  —  {when}")
            item.setToolTip("active" if rule.active else "switched off")
            self.rule_list.addItem(item)
        self.rule_list.blockSignals(False)

    def _fill_macros(self) -> None:
        self.macro_list.blockSignals(True)
        self.macro_list.clear()
        for macro in self.macros:
            self.macro_list.addItem(f"{macro.name}  ({len(macro.actions)} actions, {macro.visibility})")
        self.macro_list.blockSignals(False)

    # --- rules --------------------------------------------------------------------------------------------
    def _rule_chosen(self, row: int) -> None:
        if 0 <= row < len(self.rules):
            self._edit(self.rules[row])

    def _edit(self, rule: AutomationRule | None) -> None:
        self.editor.load(rule)
        self._buttons_for(rule)
        self.hits.clear()
        self.preview_result = self.previewed = None
        self.summary.setText("Preview a rule to see what it would have done.")
        if rule is None:
            self.rule_list.setCurrentRow(-1)

    def _buttons_for(self, rule: AutomationRule | None) -> None:
        self.toggle_button.setText("Disable" if rule is None or rule.active else "Enable")
        self.toggle_button.setEnabled(rule is not None)
        self.delete_button.setEnabled(rule is not None)

    def preview(self) -> None:
        rule = self.editor.rule()
        self.summary.setText("Running the rule over the cache…")
        self.runner.submit(self.service.preview, self.account_id, rule, now=self.clock(), days=PREVIEW_DAYS,
                           on_done=lambda result: self._previewed(rule, result), on_error=self._failed,
                           key="rules-preview")

    def _previewed(self, rule: AutomationRule, result: Preview) -> None:
        self.preview_result, self.previewed = result, rule
        self.summary.setText(f"{result.summary} ({result.seconds * 1000:.0f} ms). Double-click one to open it.")
        self.hits.clear()
        for hit in result.hits:
            did = "; ".join(e.text + ("" if e.changes else " (already)") for e in hit.effects)
            item = QListWidgetItem(f"{hit.channel:<9} {hit.title}  →  {did}")
            item.setData(Qt.ItemDataRole.UserRole, hit.conversation_id)
            self.hits.addItem(item)

    def _hit_opened(self, item: QListWidgetItem) -> None:
        self.conversation_opened.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def save(self) -> None:
        rule = self.editor.rule()
        self._say(f"Saving {rule.name!r}…")
        self.runner.submit(self.service.save_rule, self.account_id, rule, on_done=self._saved, on_error=self._failed)

    def _saved(self, rule: AutomationRule) -> None:
        self.rules = [r for r in self.rules if r.id != rule.id] + [rule]
        self.rules.sort(key=lambda r: r.id or 0)
        self._fill_rules()
        self.rule_list.blockSignals(True)
        self.rule_list.setCurrentRow(self.rules.index(rule))
        self.rule_list.blockSignals(False)
        self.editor.rule_id, self.editor.active = rule.id, rule.active
        self._buttons_for(rule)
        self._say(f"Saved {rule.name!r} on the hub ({'active' if rule.active else 'switched off'}).")

    def current_rule(self) -> AutomationRule | None:
        row = self.rule_list.currentRow()
        return self.rules[row] if 0 <= row < len(self.rules) else None

    def toggle_current(self) -> None:
        rule = self.current_rule()
        if rule is not None and rule.id is not None:
            self.runner.submit(self.service.set_rule_active, self.account_id, rule.id, not rule.active,
                               on_done=self._toggled, on_error=self._failed)

    def _toggled(self, rule: AutomationRule) -> None:
        self._saved(rule)
        self._edit(rule)

    def switch_all_off(self) -> None:
        self._say("Switching every rule off on the hub…")
        self.runner.submit(self.service.switch_all_off, self.account_id, on_done=self._all_off,
                           on_error=self._all_off_failed)

    def _all_off(self, rules: list[AutomationRule]) -> None:
        self.rules = rules
        self._fill_rules()
        self._edit(self.rules[0] if self.rules else None)
        self._say(f"Every rule is off on the hub ({len(rules)} rule(s)).")

    def _all_off_failed(self, message: str) -> None:
        self._failed(message)
        self.runner.submit(self.service.cached_rules, self.account_id, on_done=self._rules_reread)

    def _rules_reread(self, rules: list[AutomationRule]) -> None:
        self.rules = rules
        self._fill_rules()

    def delete_current(self) -> None:
        rule = self.current_rule()
        if rule is not None and rule.id is not None:
            self.runner.submit(self.service.delete_rule, self.account_id, rule.id,
                               on_done=lambda _r: self._deleted(rule), on_error=self._failed)

    def _deleted(self, rule: AutomationRule) -> None:
        self.rules = [r for r in self.rules if r.id != rule.id]
        self._fill_rules()
        self._edit(self.rules[0] if self.rules else None)
        self._say(f"Deleted {rule.name!r} from the hub.")

    # --- macros -------------------------------------------------------------------------------------------
    def _macro_chosen(self, row: int) -> None:
        if 0 <= row < len(self.macros):
            self._load_macro(self.macros[row])

    def _load_macro(self, macro: Macro | None) -> None:
        self.macro_actions.clear()
        self.macro_id = macro.id if macro else None
        self.macro_name.setText(macro.name if macro else "")
        self.macro_visibility.setCurrentIndex(1 if macro and macro.visibility == "global" else 0)
        for action in macro.actions if macro else ():
            row = self.macro_actions.add()
            assert isinstance(row, ActionRow)
            row.set_action(action)

    def macro(self) -> Macro:
        actions = tuple(r.action() for r in self.macro_actions.rows if isinstance(r, ActionRow))
        return Macro(self.macro_id, self.macro_name.text().strip(), actions, self.macro_visibility.currentData())

    def save_macro(self) -> None:
        self.runner.submit(self.service.save_macro, self.account_id, self.macro(), on_done=self._macro_saved,
                           on_error=self._failed)

    def _macro_saved(self, macro: Macro) -> None:
        self.macros = sorted([m for m in self.macros if m.id != macro.id] + [macro], key=lambda m: m.id or 0)
        self.macro_id = macro.id
        self._fill_macros()
        self._say(f"Saved macro {macro.name!r} on the hub.")

    def delete_macro(self) -> None:
        if self.macro_id is not None:
            macro_id = self.macro_id
            self.runner.submit(self.service.delete_macro, self.account_id, macro_id,
                               on_done=lambda _r: self._macro_deleted(macro_id), on_error=self._failed)

    def _macro_deleted(self, macro_id: int) -> None:
        self.macros = [m for m in self.macros if m.id != macro_id]
        self._fill_macros()
        self._load_macro(None)
        self._say("Macro deleted from the hub.")

    # --- messages -----------------------------------------------------------------------------------------
    def _failed(self, message: str) -> None:
        self._say(message.split(": ", 1)[1] if message.startswith("AutomationError: ") else message, error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet(ERROR_STYLE if error else "")

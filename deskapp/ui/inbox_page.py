"""The Inbox tab of the main window: views sidebar | conversation list | thread + composer | customer panel.

Every database read that can grow runs on the TaskRunner; the GUI thread only applies results.
``list_loaded(rows)`` and ``conversation_shown(id)`` tell tests and ``--screenshot`` when a pane is ready.
"""

from __future__ import annotations

import html as html_lib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QLabel,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.domain.changes import Changes
from deskapp.services import customers as customer_service
from deskapp.services import drafts as draft_service
from deskapp.services import inbox
from deskapp.services import thread as thread_service
from deskapp.services.customers import CustomerProfile, OrderInfo
from deskapp.services.drafts import Draft
from deskapp.services.thread import Thread
from deskapp.ui import icons, theme
from deskapp.ui.composer import Composer
from deskapp.ui.conversation_list import ConversationListView, SortPicker
from deskapp.ui.conversation_row import hidden_parts
from deskapp.ui.customer_panel import CustomerPanel
from deskapp.ui.inbox_model import ConversationModel, packed
from deskapp.ui.sidebar import ViewsSidebar
from deskapp.ui.tasks import TaskRunner
from deskapp.ui.thread_html import RenderedMessage, render_all
from deskapp.ui.thread_view import ThreadView

log = logging.getLogger(__name__)
FIRST_IDS = 400  # a view switch shows this many rows at once; the other ids follow from a second query
THREAD_PAGE = 200  # newest messages shown when a conversation opens
OLDER_PAGE = 1000  # "show earlier" pages back this many (the view never holds more than this)


def packed_view_ids(*args, **kwargs) -> Sequence[int]:
    """A view's ids packed on the worker, so the model takes a big view without a pass over it here."""
    return packed(inbox.view_ids(*args, **kwargs))


@dataclass
class Opened:
    """Everything the panes need to show one conversation, read and rendered on a worker."""

    thread: Thread
    blocks: list[RenderedMessage]
    profile: CustomerProfile | None
    draft: Draft | None


def load_views(db, profile_store) -> tuple[list[inbox.View], set[int], inbox.Directory]:
    """The views, the agent's own conversations and the directory: what the first view needs. Without the
    counts, which take seconds at 10M messages on a cold disk."""
    views = inbox.builtin_views(inbox.channels_present(db)) + inbox.saved_views(profile_store)
    mine = set(inbox.view_ids(db, views[0].filter, limit=5000))
    return views, mine, inbox.directory(db)


def load_sidebar(db, profile_store) -> tuple[list[inbox.View], dict[str, int], set[int], inbox.Directory]:
    views, mine, directory = load_views(db, profile_store)
    return views, inbox.view_counts(db, views), mine, directory


def load_conversation(db, profile_store, conversation_id: int, *, timeline: bool, limit: int | None, scheme: str,
                      allowed: frozenset[int], offset: int = 0) -> Opened:
    thread = (thread_service.load_timeline if timeline else thread_service.load_thread)(
        db, conversation_id, limit=limit, offset=offset)
    blocks = render_all(thread.messages, scheme=scheme, allowed=allowed, timeline=thread.timeline)
    head = thread.header
    profile = customer_service.profile(db, head.customer_id) if head and head.customer_id else None
    draft = draft_service.load(db, profile_store, conversation_id)
    return Opened(thread, blocks, profile, draft)


class InboxPage(QWidget):
    list_loaded = Signal(int)
    conversation_shown = Signal(int)
    view_changed = Signal(str)

    def __init__(self, db, profile_store, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.profile_store, self.tasks = db, profile_store, tasks  # the agent's saved views and drafts
        self.setAccessibleName("Inbox")
        self.current_view: inbox.View | None = None
        self.current_id: int | None = None
        self.merge_customers: Callable[[int, int], Any] | None = None  # ActionService.merge, when there is one
        self.order_actions: Any | None = None  # an OrderActionService, when the outbox is open
        self.order_dialog: Any | None = None
        self.opened: Opened | None = None
        self.timeline = False
        self.thread_limit: int | None = THREAD_PAGE
        self.thread_offset = 0
        self.allowed_images: set[int] = set()
        self.mine_ids: set[int] | None = None
        self.counts: dict[str, int] = {}
        self.directory = inbox.Directory()  # for the pickers; read with the counts
        self.auto_open_first = True
        self._pending_open: int | None = None
        self.id_list: list[int] = []
        self.advance_from: set[int] = set()  # conversations whose leaving the view opens the next one
        self.pending_view: str | None = None
        self._changed_rows: set[int] | None = set()  # rows to read again when the list's ids arrive (None: all)
        self._list_reads = 0  # counts reload_list calls: the rest of a big view's ids is read only for the latest
        self._build()

    # --- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.sidebar = ViewsSidebar()
        self.sidebar.view_selected.connect(self.select_view)
        self.model = ConversationModel(lambda ids: inbox.rows_for(self.db, ids), self, submit=self._fetch_rows)
        self.model.sort_requested.connect(lambda *_: self.reload_list())
        self.table = ConversationListView(self.model)
        self.table.setObjectName("conversationList")
        self.table.setAccessibleName("Conversation list")
        self.sort_picker = SortPicker()
        self.sort_picker.sort_chosen.connect(self.model.set_sort)
        list_pane = QWidget()
        list_pane.setAccessibleName("List pane")
        list_layout = QVBoxLayout(list_pane)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(0)
        list_layout.addWidget(self.sort_picker)
        list_layout.addWidget(self.table, 1)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.activated.connect(lambda _i: self.focus_thread())

        self.header = QLabel()
        self.header.setObjectName("threadHeader")
        self.header.setAccessibleName("Conversation details")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.toolbar = QToolBar()
        self.toolbar.setAccessibleName("Conversation actions")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(QSize(16, 16))
        self.toolbar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.buttons: dict[str, QAction] = {}
        self.timeline_button = QToolButton()
        self.timeline_button.setText("Customer timeline")
        self.timeline_button.setCheckable(True)
        self.timeline_button.setAccessibleName("Show the customer's whole timeline")
        self.timeline_button.setToolTip("Toggle between this conversation and the customer's timeline (t)")
        self.timeline_button.toggled.connect(self.set_timeline)
        self.thread_view = ThreadView()
        self.thread_view.render_finished.connect(self._render_finished)
        self.composer = Composer()
        self.composer.draft_changed.connect(self._save_draft)
        self.composer.escape_pressed.connect(self.focus_list)
        self.suggestions_slot = QVBoxLayout()
        self.suggestions_slot.setContentsMargins(0, 0, 0, 0)

        thread_pane = QWidget()
        thread_pane.setAccessibleName("Thread pane")
        top = QVBoxLayout(thread_pane)
        top.setContentsMargins(4, 0, 4, 0)
        top.addWidget(self.header)
        top.addWidget(self.toolbar)
        self.thread_split = QSplitter(Qt.Orientation.Vertical)
        self.thread_split.setObjectName("threadSplit")
        self.thread_split.addWidget(self.thread_view)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addLayout(self.suggestions_slot)
        bottom_layout.addWidget(self.composer)
        self.thread_split.addWidget(bottom)
        self.thread_split.setStretchFactor(0, 4)
        self.thread_split.setStretchFactor(1, 1)
        top.addWidget(self.thread_split, 1)

        self.customer = CustomerPanel()
        self.customer.conversation_opened.connect(self.open_conversation_anywhere)
        self.customer.merge_decided.connect(self._merge_decision)
        self.customer.order_action_chosen.connect(self.open_order_action)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setObjectName("mainSplit")
        self.split.addWidget(self.sidebar)
        self.split.addWidget(list_pane)
        self.split.addWidget(thread_pane)
        self.split.addWidget(self.customer)
        self._sizes_restored = False
        for i, stretch in enumerate((0, 2, 3, 1)):
            self.split.setStretchFactor(i, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.split)
        self.thread_view.show_placeholder("Select a conversation")
        self._sla_timer = QTimer(self)
        self._sla_timer.setInterval(30_000)
        self._sla_timer.timeout.connect(lambda: self.model.invalidate())
        self._sla_timer.start()

    def _fetch_rows(self, ids: list[int], callback) -> None:
        self.tasks.submit(inbox.rows_for, self.db, ids, on_done=callback, priority=10)

    def add_tool_button(self, key: str, action: QAction) -> None:
        """Actions overflow into the toolbar's » menu when the pane is narrow (never a minimum width)."""
        self.toolbar.addAction(action)
        self.buttons[key] = action

    def finish_toolbar(self) -> None:
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.toolbar.addWidget(self.timeline_button)

    # --- views and list --------------------------------------------------------------------------

    def refresh(self, changes: Changes | None = None) -> None:
        """After a sync batch or an action, read again what ``changes`` concerns (all of it by default):
        the counts, the list (its ids, and the rows of the touched conversations), the open thread if it
        changed, and the customer panel if its customer, orders or conversations changed."""
        changes = changes if changes is not None else Changes.everything()
        if self.current_view is None:  # starting: the first view need not wait for the counts
            self.tasks.submit(load_views, self.db, self.profile_store, on_done=self._views_loaded, key="views",
                              priority=5)
        if changes.counts or changes.all:
            self.tasks.submit(load_sidebar, self.db, self.profile_store, on_done=self._sidebar_loaded, key="sidebar",
                              background=True)
        if changes.all or changes.conversations:
            self.reload_list(changed=None if changes.all else set(changes.conversations))
        if changes.touches_conversation(self.current_id):
            self.reload_conversation()  # its customer panel comes with it
        elif self._profile_concerned(changes):
            self._reload_profile()

    def _profile_concerned(self, changes: Changes) -> bool:
        shown = self.opened.profile if self.opened is not None else None
        if shown is None:
            return False
        return (changes.touches_customer(shown.id, [o.id for o in shown.orders])
                or not changes.conversations.isdisjoint(c.id for c in shown.conversations))

    def _reload_profile(self) -> None:
        opened = self.opened
        customer_id = opened.profile.id if opened is not None and opened.profile is not None else None
        if customer_id is None:
            return

        def loaded(profile: CustomerProfile | None) -> None:
            if self.opened is opened and opened is not None and self.current_id is not None:
                opened.profile = profile
                self.customer.show_profile(profile, self.current_id)
                self._load_order_actions(profile)

        self.tasks.submit(customer_service.profile, self.db, customer_id, on_done=loaded, key="profile")

    def _views_loaded(self, result: tuple[list[inbox.View], set[int], inbox.Directory]) -> None:
        views, mine, directory = result
        if self.current_view is not None:  # the counts came first, and the first view with them
            return
        self.directory, self.mine_ids = directory, mine
        self.sidebar.set_views(views)
        self.sidebar.select(self._start_view(views, bool(mine)).key)

    @staticmethod
    def _start_view(views: list[inbox.View], any_mine: bool) -> inbox.View:
        """The agent's own conversations, or all open ones while none is theirs."""
        return views[0] if any_mine else views[2]

    def _sidebar_loaded(self, result: tuple[list[inbox.View], dict[str, int], set[int], inbox.Directory]) -> None:
        views, counts, mine, self.directory = result
        self.counts = counts
        self.sidebar.set_views(views, current=self.current_view.key if self.current_view else "open")
        self.sidebar.set_counts(counts)
        new_mine = set() if self.mine_ids is None else mine - self.mine_ids
        self.mine_ids = mine
        notify = getattr(self.window(), "notify_assigned", None)
        if new_mine and notify is not None:
            notify(sorted(new_mine))
        if self.pending_view and self.pending_view in counts:
            self.sidebar.select(self.pending_view)  # a view just saved: show it
            self.pending_view = None
        elif self.current_view is None:
            self.sidebar.select(self._start_view(views, counts.get("mine", 0) > 0).key)

    def select_view(self, view: inbox.View) -> None:
        self.current_view = view
        self.model.set_hidden(hidden_parts(view.filter))
        self.table.set_empty_text("")  # not "no conversations" while its ids are on their way
        self.auto_open_first = True
        self.view_changed.emit(view.key)
        self.reload_list(reset=True)

    def select_view_key(self, key: str) -> None:
        self.sidebar.select(key)

    def show_id_list(self, ids: list[int], title: str) -> None:
        """The conversations behind a KPI figure (or any list of ids) as a temporary view."""
        self.id_list = list(ids)
        self._list_reads += 1  # a big view's ids still on their way must not replace these
        # no current view, so that picking any view again switches back (Qt takes None; its stubs do not say so)
        self.sidebar.setCurrentItem(None)  # type: ignore[call-overload]
        self.current_view = inbox.View("ids", title, inbox.ViewFilter())
        self.model.set_hidden(frozenset())
        self.auto_open_first = True
        self.view_changed.emit("ids")
        self._ids_loaded(self.id_list, True, None)

    def reload_list(self, *, reset: bool = False, changed: set[int] | None = None) -> None:
        """Read the view's ids again; ``changed``: the rows to read again too (None: all of them). Rows asked
        for by a reload whose ids were superseded by a newer one are read with the newer one's."""
        self._list_reads += 1
        if self._changed_rows is not None:
            self._changed_rows = None if changed is None else self._changed_rows | changed
        if self.current_view is None:
            return
        if self.current_view.key == "ids":
            self._ids_loaded(self.id_list, reset, self._take_changed())
            return
        view_filter, sort, descending = self.current_view.filter, self.model.sort_key, self.model.sort_descending
        this_read = self._list_reads

        def load_rest() -> None:
            # Another view (or a refresh, which reads all the ids) came since: these ids would replace its own.
            if this_read != self._list_reads:
                return
            self.tasks.submit(packed_view_ids, self.db, view_filter, sort=sort, descending=descending,
                              on_done=partial(self._all_ids_loaded, this_read), key="list", background=True)

        def rest(first: list[int]) -> None:
            self._ids_loaded(first, reset, self._take_changed())
            if len(first) == FIRST_IDS:  # a big view: once its first rows are on screen, the rest of its ids
                self._after_rows(load_rest)

        if reset:
            self.tasks.submit(packed_view_ids, self.db, view_filter, sort=sort, descending=descending,
                              limit=FIRST_IDS, priority=5, on_done=rest, key="list")
        else:
            self.tasks.submit(packed_view_ids, self.db, view_filter, sort=sort, descending=descending, priority=5,
                              on_done=lambda ids: self._ids_loaded(ids, reset, self._take_changed()), key="list")

    def _take_changed(self) -> set[int] | None:
        changed, self._changed_rows = self._changed_rows, set()
        return changed

    def _after_rows(self, then) -> None:
        """Run ``then`` once the next page of rows has arrived (or soon, if none was needed)."""
        done = {"ran": False}

        def once(*_args) -> None:
            if not done["ran"]:
                done["ran"] = True
                self.model.rows_arrived.disconnect(once)
                then()

        self.model.rows_arrived.connect(once)
        QTimer.singleShot(300, self, once)  # tied to the page: never fires after it is gone

    def _all_ids_loaded(self, read: int, ids: list[int]) -> None:
        if read != self._list_reads:  # the list moved on (a KPI figure's conversations) while these were read
            return
        shown = self.model.rowCount()
        if self.model.is_prefix_of(ids):
            self.model.append_ids(ids[shown:])
            self.list_loaded.emit(len(ids))
        else:  # it changed in between (a sync): a normal refresh
            self._ids_loaded(ids, False, None)

    def _ids_loaded(self, ids: list[int], reset: bool, changed: set[int] | None) -> None:
        """Show the view's new ids. On a refresh (not a view switch) what the agent looks at stays put:
        the open conversation stays selected (by id) and listed — marked — even if it left the view,
        and the rows on screen keep their place however many rows were inserted above them."""
        keep = self.current_id
        old_row = self.model.row_of(keep) if keep is not None else -1
        selected = set(self.selected_ids())
        anchor = [] if reset else self.table.anchor()
        was_outside = self.model.outside
        outside: set[int] = set()
        if not reset and keep is not None and old_row >= 0 and keep not in self.advance_from and keep not in ids:
            ids = self._pinned(ids, keep, old_row)
            outside = {keep}
        self.model.outside = outside
        if reset:
            self.model.set_ids(ids)
        else:
            self.model.update_ids(ids, changed)
            self.model.invalidate(was_outside ^ outside)
        self.table.restore_anchor(anchor)
        self.tasks.submit(draft_service.with_drafts, self.db, self.profile_store, on_done=self._drafts_loaded,
                          key="drafts")
        selection = self.table.selectionModel()
        row = self.model.row_of(keep) if keep is not None else -1
        if row >= 0:
            selection.blockSignals(True)
            self.table.set_current_row(row)
            for cid in selected - {keep}:
                r = self.model.row_of(cid)
                if r >= 0:
                    self.table.select_row(r)
            selection.blockSignals(False)
            self.table.viewport().update()
        elif ids and self.auto_open_first and (reset or keep is None):
            view = self.current_view

            def open_first() -> None:  # after the list's rows: they show first, then the conversation
                if self.current_view is view and self.table.current_row() < 0 and self.model.rowCount():
                    self.table.set_current_row(0)

            self._after_rows(open_first)
        elif ids and keep is not None and keep in self.advance_from and old_row >= 0:
            # The agent resolved or snoozed it and it left the view: on to the next one, like an archive.
            self.advance_from.discard(keep)
            self.table.set_current_row(min(old_row, len(ids) - 1))
        if ids:
            self.auto_open_first = False
        self.table.set_empty_text("" if ids else "No conversations in this view")
        self.list_loaded.emit(len(ids))

    def _pinned(self, ids: list[int], keep: int, old_row: int) -> list[int]:
        """``ids`` with ``keep`` back between the neighbours it had (or at its old row)."""
        before, after = self.model.id_at(old_row - 1), self.model.id_at(old_row + 1)
        if before is not None and before in ids:
            at = ids.index(before) + 1
        elif after is not None and after in ids:
            at = ids.index(after)
        else:
            at = min(old_row, len(ids))
        return [*ids[:at], keep, *ids[at:]]

    def _drafts_loaded(self, ids: set[int]) -> None:
        changed = self.model.drafts ^ ids
        self.model.drafts = ids
        self.model.invalidate(changed)

    def selected_ids(self) -> list[int]:
        ids = [self.model.id_at(r) for r in self.table.selected_rows()]
        result = [i for i in ids if i is not None]
        if self.current_id is not None and self.current_id not in result:
            result = [self.current_id]  # opened from search or the customer panel: act on what is shown
        return result

    def move_by(self, step: int) -> None:
        """j / k: the next or previous conversation in the list, opened."""
        if not self.model.rowCount():
            return
        row = self.table.current_row()
        row = 0 if row < 0 else max(0, min(self.model.rowCount() - 1, row + step))
        self.table.set_current_row(row)
        self.table.scroll_to_row(row)

    def focus_list(self) -> None:
        self.table.setFocus()

    def focus_thread(self) -> None:
        self.thread_view.setFocus()

    # --- the open conversation ---------------------------------------------------------------------

    def _current_row_changed(self, current, _previous) -> None:
        cid = self.model.id_at(current.row()) if current.isValid() else None
        if cid is not None and cid != self.current_id:
            self.open_conversation(cid)

    def open_conversation_anywhere(self, conversation_id: int) -> None:
        """From search, the customer panel or a notification: select it in the list when it is there."""
        row = self.model.row_of(conversation_id)
        if row >= 0:
            self.table.set_current_row(row)
            self.table.scroll_to_row(row)
        self.open_conversation(conversation_id)

    def open_conversation(self, conversation_id: int) -> None:
        self.advance_from.discard(conversation_id)  # opened on purpose: stays open even if it leaves the view
        if self.current_id is not None and self.current_id != conversation_id:
            self.composer.flush_draft()
        if self.current_id != conversation_id:
            self.thread_limit, self.thread_offset = THREAD_PAGE, 0
            self.allowed_images = set()
        self.current_id = conversation_id
        self._pending_open = conversation_id
        self._load(conversation_id, fresh=True)

    def reload_conversation(self) -> None:
        if self.current_id is not None:
            self._load(self.current_id, fresh=False)

    def _load(self, conversation_id: int, *, fresh: bool) -> None:
        self.tasks.submit(load_conversation, self.db, self.profile_store, conversation_id, timeline=self.timeline,
                          limit=self.thread_limit, offset=self.thread_offset,
                          scheme="dark" if theme.is_dark() else "light",
                          allowed=frozenset(self.allowed_images),
                          on_done=lambda o: self._show(o, fresh), key="open")

    def _show(self, opened: Opened, fresh: bool) -> None:
        head = opened.thread.header
        if head is None or head.id != self.current_id:
            return
        previous = self.opened
        self.opened = opened
        self._show_header()
        unchanged = (not fresh and previous is not None and previous.thread.total == opened.thread.total
                     and [b.parts for b in previous.blocks] == [b.parts for b in opened.blocks])
        if not unchanged:
            t = opened.thread
            older = t.total - t.offset - len(t.messages)
            preface = (f'<p align="center"><a href="deskapp:more">Show {min(older, OLDER_PAGE)} earlier '
                       f"message(s) of {t.total}</a></p>") if older > 0 else ""
            footer = (f'<p align="center"><a href="deskapp:newer">Show newer messages ({t.offset} more)</a></p>'
                      if t.offset else "")
            self.thread_view.show_messages(opened.blocks, preface=preface, footer=footer)
        self.customer.show_profile(opened.profile, head.id)
        if fresh:
            self.composer.set_channel(head.channel)
            draft = opened.draft
            self.composer.load(draft.body if draft else "", draft.is_note if draft else False)
            # A write: done after showing, so a sync holding the write lock never delays opening.
            self.tasks.submit(inbox.mark_read, self.db, head.id,
                              on_done=lambda _r: self.model.invalidate({head.id}))
        if unchanged and self._pending_open == head.id:
            self._render_finished()

    def _render_finished(self) -> None:
        if self.opened and self.opened.thread.header and self._pending_open == self.opened.thread.header.id:
            self._pending_open = None
            self.conversation_shown.emit(self.opened.thread.header.id)

    def _show_header(self) -> None:
        head = self.opened.thread.header if self.opened else None
        if head is None:
            self.header.clear()
            return
        chips = [inbox.channel_title(head.channel), head.status]
        if head.priority and head.priority != "none":
            chips.append(f"priority {head.priority}")
        chips.append(f"assigned to {head.assignee}" if head.assignee else "unassigned")
        if head.team:
            chips.append(f"team {head.team}")
        if head.intent:
            chips.append(head.intent.replace("_", " "))
        if head.urgency and head.urgency not in ("normal", "low"):
            chips.append(f"urgency {head.urgency}")
        labels = " ".join(f"<span style='background:{theme.ACCENT}; color:white;'>&nbsp;{html_lib.escape(x)}"
                          f"&nbsp;</span>" for x in head.labels)
        subject = html_lib.escape(head.subject or f"Conversation with {head.customer}")
        self.header.setText(f"<b style='font-size:large'>{subject}</b><br>{html_lib.escape(head.customer)} · "
                            f"{html_lib.escape(' · '.join(chips))} {labels}")

    def set_timeline(self, on: bool) -> None:
        if self.timeline_button.isChecked() != on:
            self.timeline_button.setChecked(on)
            return
        self.timeline = on
        self.thread_limit, self.thread_offset = THREAD_PAGE, 0
        if self.current_id is not None:
            self._pending_open = self.current_id
            self._load(self.current_id, fresh=False)

    def show_more(self) -> None:
        """Page back: the next OLDER_PAGE older messages replace the ones shown."""
        shown = len(self.opened.thread.messages) if self.opened else 0
        self.thread_offset += shown
        self.thread_limit = OLDER_PAGE
        self._pending_open = self.current_id
        self.reload_conversation_render()

    def show_newer(self) -> None:
        self.thread_offset = max(0, self.thread_offset - OLDER_PAGE)
        self.thread_limit = OLDER_PAGE if self.thread_offset else THREAD_PAGE
        self._pending_open = self.current_id
        self.reload_conversation_render()

    def allow_images(self, message_id: int) -> None:
        """The agent chose to load one message's remote images: fetch them on a worker, then re-render."""
        self.allowed_images.add(message_id)
        message = next((m for m in (self.opened.thread.messages if self.opened else []) if m.id == message_id), None)
        if message is None:
            return
        from deskapp.services.html_safety import sanitize_html

        urls = thread_service.remote_image_urls(sanitize_html(message.html, allow_remote=True))

        def fetch() -> dict[str, bytes]:
            return {u: data for u in urls[:50] if (data := thread_service.fetch_remote(u)) is not None}

        def done(images: dict[str, bytes]) -> None:
            for url, data in images.items():
                self.thread_view.add_image(url, data)
            self.reload_conversation_render()

        self.tasks.submit(fetch, on_done=done)

    def reload_conversation_render(self) -> None:
        if self.current_id is not None:
            self.opened = None  # force a re-render
            self._load(self.current_id, fresh=False)

    # --- drafts and merges -------------------------------------------------------------------------

    def _save_draft(self, body: str, is_note: bool) -> None:
        cid = self.current_id
        if cid is None:
            return
        self.tasks.submit(draft_service.save, self.db, self.profile_store, cid, body, is_note=is_note)
        had = cid in self.model.drafts
        if bool(body.strip()) != had:
            (self.model.drafts.add if body.strip() else self.model.drafts.discard)(cid)
            self.model.invalidate({cid})

    def _load_order_actions(self, profile: CustomerProfile | None) -> None:
        if self.order_actions is None or profile is None or not profile.orders:
            return
        shown = self.customer.profile
        self.tasks.submit(self.order_actions.actions_for_orders, [o.id for o in profile.orders],
                          on_done=lambda found: self.customer.show_order_actions(found)
                          if self.customer.profile is shown else None, key="order-actions")

    def open_order_action(self, kind: str, order: OrderInfo | None = None) -> None:
        """The confirmation dialog of an order action on ``order`` (default: the one chosen in the panel)."""
        from deskapp.ui.order_action_dialog import OrderActionDialog

        order = order if order is not None else self.customer.selected_order()
        if self.order_actions is None or order is None:
            return
        dialog = OrderActionDialog(kind, order, self.order_actions, self.tasks, conversation_id=self.current_id,
                                   parent=self)
        dialog.accepted.connect(self._reload_profile)
        dialog.finished.connect(dialog.deleteLater)
        self.order_dialog = dialog
        dialog.open()

    def _merge_decision(self, proposal_id: int, other_customer_id: int, accepted: bool) -> None:
        profile = self.customer.profile
        if profile is None:
            return
        if accepted:
            if self.merge_customers is not None:  # through the outbox: the hub merges the contacts too
                self.tasks.submit(self.merge_customers, proposal_id, profile.id,
                                  on_done=lambda _r: self.refresh(), on_error=self._error)
            else:
                self.tasks.submit(customer_service.confirm_merge, self.db, proposal_id, profile.id,
                                  on_done=lambda _r: self.refresh(), on_error=self._error)
        else:
            self.tasks.submit(customer_service.reject_merge, self.db, proposal_id,
                              on_done=lambda _r: self.reload_conversation(), on_error=self._error)

    def _error(self, message: str) -> None:
        window: Any = self.window()
        if hasattr(window, "show_error"):
            window.show_error(message)

    # --- persistence -------------------------------------------------------------------------------

    def save_state(self, settings) -> None:
        settings.setValue("inbox/split", self.split.saveState())
        settings.setValue("inbox/threadSplit", self.thread_split.saveState())
        settings.setValue("inbox/sort", f"{self.model.sort_key}:{int(self.model.sort_descending)}")
        if self.current_view is not None:
            settings.setValue("inbox/view", self.current_view.key)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sizes_restored:  # first show without saved sizes: a sensible split of the width
            self._sizes_restored = True
            QTimer.singleShot(0, self._default_sizes)

    def _default_sizes(self) -> None:
        """The customer panel gets a fifth of the width (270-340 px), the list and the thread share the
        rest, the list a little less and at most 560 px (two-line rows need no more; the thread and its
        composer read better wide)."""
        width = max(self.width(), 1000)
        side, customer = 170, min(340, max(270, width // 5))
        rest = width - side - customer
        listed = min(rest * 47 // 100, 560)
        self.split.setSizes([side, listed, rest - listed, customer])

    def restore_state(self, settings) -> None:
        if settings.value("inbox/split") is not None:
            self._sizes_restored = True
        for key, widget in (("inbox/split", self.split), ("inbox/threadSplit", self.thread_split)):
            value = settings.value(key)
            if value is not None:
                widget.restoreState(value)
        key, _, descending = str(settings.value("inbox/sort") or "").partition(":")
        if key:
            self.sort_picker.set_current(key, descending == "1")

    def update_icons(self) -> None:
        for key, action in self.buttons.items():
            action.setIcon(icons.icon(key))

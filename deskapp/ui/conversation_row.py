"""One conversation as the inbox list shows it, for the list's delegate: two lines laid out the way an
agent reads them, then painted.

Line 1: channel icon, customer (bold while unread), assignee, status, how long ago.
Line 2: the subject (or the last message) with the last message muted after it, then chips — priority,
intent, labels, SLA countdown — and the unread count. What the current view already says
(the assignee in Mine, the channel in a channel view, the status in Resolved) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette

from deskapp.services.inbox import ConversationRow, ViewFilter, channel_title, relative_time, sla_level, sla_text
from deskapp.ui import icons, theme
from deskapp.ui.chips import Chip, ChipPainter

PAD_X = 8
ICON = 16
ICON_GAP = 8
SPACE = 10  # between the parts of a line
MIN_TEXT = 140  # line 2 keeps at least this much (or 60 %) of its width for the subject before chips
SUBJECT_MAX = 300  # characters kept of a subject or snippet (a row shows a fraction of that)
LABEL_MAX = 24
MIN_ASSIGNEE = 48  # narrower than this, the assignee is left out of line 1 rather than cut to a letter
SLA_TONES = {"ok": "neutral", "at_risk": "warn", "breaching": "alert"}


def hidden_parts(f: ViewFilter | None) -> frozenset[str]:
    """What a view's filter already tells about each of its rows, so its rows need not repeat it."""
    if f is None:
        return frozenset()
    parts: set[str] = set()
    if f.assignee:
        parts.add("assignee")
    if f.channel:
        parts.add("channel")
    if len(f.statuses) == 1:
        parts.add("status")
    if f.intent:
        parts.add("intent")
    if f.urgent:
        parts.add("urgent")
    if f.label:
        parts.add(f"label:{f.label}")
    return frozenset(parts)


@dataclass(frozen=True)
class RowContent:
    """Everything one row paints (hashable: the delegate keys its pixmap cache on it)."""

    customer: str
    channel: str  # "" when the view implies it
    assignee: str  # "" when the view implies it
    when: str
    subject: str  # the subject, or the last message when there is none; ✎ first while a draft waits
    snippet: str  # the last message after a subject, muted; "" when it is the subject line already
    state: tuple[Chip, ...]  # line 1: the status when the view does not imply it; "not in this view"
    optional: tuple[Chip, ...]  # line 2, giving way on a narrow list (most important first)
    fixed: tuple[Chip, ...]  # line 2, always shown: the SLA countdown
    unread: int
    outside: bool  # still open here, but no longer matching the view

    def accessible_text(self) -> str:
        parts = [self.customer, channel_title(self.channel) if self.channel else "", self.when, self.subject,
                 self.snippet, *(c.text for c in self.state + self.optional + self.fixed),
                 f"{self.unread} unread" if self.unread else ""]
        return ", ".join(p for p in parts if p)


def _one_line(text: str) -> str:
    return " ".join(text[:SUBJECT_MAX * 2].split())[:SUBJECT_MAX]


def row_content(r: ConversationRow, hidden: frozenset[str], *, now: float, draft: bool = False,
                outside: bool = False) -> RowContent:
    subject, snippet = _one_line(r.subject), _one_line(r.snippet)
    if not subject:
        subject, snippet = snippet, ""
    if snippet == subject:
        snippet = ""
    if draft:
        subject = f"✎ {subject}"
    optional: list[Chip] = []
    if "urgent" not in hidden and (r.priority == "urgent" or r.urgency == "urgent"):
        optional.append(Chip("urgent", "alert"))
    elif r.priority == "high":
        optional.append(Chip("high", "warn"))
    intent = r.intent.replace("_", " ") if r.intent and r.intent != "other" else ""
    if intent and "intent" not in hidden:
        optional.append(Chip(intent, "intent"))
    for label in r.labels:
        # a label that only repeats the intent ("order-status" beside "order status") says nothing more
        if f"label:{label}" not in hidden and label.replace("-", " ").replace("_", " ").lower() != intent:
            optional.append(Chip(label if len(label) <= LABEL_MAX else label[:LABEL_MAX - 1] + "…", "label"))
    state: tuple[Chip, ...] = ()
    if outside:
        state = (Chip(f"{r.status} · not in this view", "warn"),)
    elif "status" not in hidden and r.status != "open":
        state = (Chip(r.status),)
    level = sla_level(r, now)
    fixed = (Chip(sla_text(r, now), SLA_TONES[level]),) if level else ()
    assignee = "" if "assignee" in hidden else (r.assignee or "unassigned")
    return RowContent(
        customer=r.customer, channel="" if "channel" in hidden else r.channel, assignee=assignee,
        when=relative_time(r.last_message_at or r.created_at, now), subject=subject, snippet=snippet,
        state=state, optional=tuple(optional), fixed=fixed, unread=max(0, r.unread), outside=outside)


def elide(metrics: QFontMetrics, text: str, width: int) -> str:
    """``text`` shortened with … to ``width`` (measuring first: most texts fit, and eliding costs more)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, width))


class RowPainter:
    """Lays out and paints RowContent in the view's font; ``height`` is the row height that font needs."""

    def __init__(self, font: QFont) -> None:
        self.font = QFont(font)
        self.bold = QFont(font)
        self.bold.setBold(True)
        small = QFont(font)
        small.setPointSizeF(max(6.0, font.pointSizeF() * 0.88))
        self.chips = ChipPainter(small)
        self.metrics = QFontMetrics(self.font)
        self.bold_metrics = QFontMetrics(self.bold)
        self.line = self.metrics.height()
        self.gap = max(3, self.line // 4)
        self.height = 2 * self.line + self.gap + 2 * max(6, self.line // 2)

    def paint(self, painter: QPainter, width: int, c: RowContent | None, palette: QPalette, *,
              selected: bool) -> None:
        """The row at (0, 0): the caller has drawn the background (selection, hover). Chips keep their
        own colours on a selected row (each pair reads on its own), the unread count turns white."""
        top = (self.height - 2 * self.line - self.gap) // 2
        second = top + self.line + self.gap
        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        muted = text if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        dark = theme.is_dark_palette(palette)
        painter.save()
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(0, self.height - 1, width - 1, self.height - 1)
        painter.setFont(self.font)
        if c is None:  # its page is on its way from a worker
            painter.setPen(muted)
            painter.drawText(QRect(PAD_X, top, width - 2 * PAD_X, self.line), int(Qt.AlignmentFlag.AlignVCenter),
                             "…")
            painter.restore()
            return
        x = self.text_left(c)
        if c.channel:
            icons.icon(c.channel).paint(painter, QRect(PAD_X, top + (self.line - ICON) // 2, ICON, ICON))
        painter.setPen(muted)
        right = self._right_text(painter, c.when, width - PAD_X, top)
        if c.state:
            right = self._chips(painter, list(c.state), right, top, dark)
        name_room, assignee_room = self.first_line(c, width)
        if assignee_room:
            self._right_text(painter, c.assignee, right, top, limit=assignee_room)
        if c.unread:
            painter.setFont(self.bold)
        painter.setPen(text)
        painter.drawText(QRect(x, top, name_room, self.line), int(Qt.AlignmentFlag.AlignVCenter),
                         elide(self.bold_metrics if c.unread else self.metrics, c.customer, name_room))
        shown, chips_right, subject_width = self.second_line(c, width)
        if c.unread:
            badge = Chip(str(c.unread) if c.unread < 100 else "99+", "badge_selected" if selected else "badge")
            self._chips(painter, [badge], width - PAD_X, second, dark)
        self._chips(painter, shown, chips_right, second, dark)
        painter.setFont(self.font)
        self._subject(painter, c, QRect(x, second, subject_width, self.line), text, muted)
        painter.restore()

    def text_left(self, c: RowContent) -> int:
        return PAD_X + (ICON + ICON_GAP if c.channel else 0)

    def first_line(self, c: RowContent, width: int) -> tuple[int, int]:
        """Line 1's layout: the room for the customer's name and for the assignee (0: left out). From the
        right come the time and the status; the name keeps its whole width before the assignee gets any,
        and an assignee that would be cut to a letter or two is left out."""
        right = width - PAD_X - (self.metrics.horizontalAdvance(c.when) + SPACE if c.when else 0)
        if c.state:
            right -= self.chips.row_width(c.state) + SPACE
        x = self.text_left(c)
        name = (self.bold_metrics if c.unread else self.metrics).horizontalAdvance(c.customer)
        spare = right - x - name - SPACE
        if not c.assignee or spare < MIN_ASSIGNEE:
            return max(0, right - x), 0
        assignee = min(self.metrics.horizontalAdvance(c.assignee), spare)
        return max(0, right - x - assignee - SPACE), assignee

    def second_line(self, c: RowContent, width: int) -> tuple[list[Chip], int, int]:
        """Line 2's layout: the chips that fit, where they end (right edge), the subject's width. The
        unread count takes the far right; the subject keeps most of the rest, the chips what is left."""
        x, right = self.text_left(c), width - PAD_X
        if c.unread:
            right -= self.chips.width(Chip(str(c.unread) if c.unread < 100 else "99+")) + SPACE // 2
        room = right - x
        keep = max(MIN_TEXT, room * 60 // 100)
        shown = self.chips.fit(list(c.optional), list(c.fixed), max(0, room - keep - SPACE))
        used = self.chips.row_width(shown)
        return shown, right, max(0, room - (used + SPACE if shown else 0))

    def _chips(self, painter: QPainter, shown: list[Chip], right: int, top: int, dark: bool) -> int:
        """``shown`` right-aligned at ``right`` on the line at ``top``; returns where the space left ends."""
        if not shown:
            return right
        width = self.chips.row_width(shown)
        self.chips.paint(painter, shown, right - width, top + (self.line - self.chips.height) // 2, dark=dark)
        return right - width - SPACE

    def _right_text(self, painter: QPainter, value: str, right: int, top: int, *, limit: int = 1 << 16) -> int:
        """``value`` in the current pen, right-aligned at ``right``; returns where the space left ends."""
        shown = elide(self.metrics, value, limit)
        w = self.metrics.horizontalAdvance(shown)
        painter.drawText(QRect(right - w, top, w, self.line), int(Qt.AlignmentFlag.AlignVCenter), shown)
        return right - w - (SPACE if w else 0)

    def _subject(self, painter: QPainter, c: RowContent, rect: QRect, text: QColor, muted: QColor) -> None:
        """The subject in the text colour, the snippet after it muted, elided together to the width."""
        joined = f"{c.subject}  {c.snippet}" if c.snippet else c.subject
        elided = elide(self.metrics, joined, rect.width())
        head = elided[:len(c.subject)] if len(elided) > len(c.subject) else elided
        painter.setPen(text)
        align = int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        painter.drawText(rect, align, head)
        rest = elided[len(head):]
        if rest:
            painter.setPen(muted)
            offset = self.metrics.horizontalAdvance(head)
            painter.drawText(rect.adjusted(offset, 0, 0, 0), align, rest)

"""What one list row shows (two lines, chips, what the view leaves out), how chips give way on a narrow
list, and that every colour pair reads on the light and the dark palette."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette

from deskapp.domain import AuthorKind, Channel, Conversation, Direction, Message, Status
from deskapp.services.inbox import ConversationRow, ViewFilter, builtin_views, rows_for
from deskapp.store import accounts
from deskapp.store.ingest import apply_batch
from deskapp.ui import theme
from deskapp.ui.chips import Chip, ChipPainter
from deskapp.ui.conversation_row import RowPainter, hidden_parts, row_content

NOW = 1_800_000_000.0

ROW = ConversationRow(
    id=7, customer="Chloe Taylor", channel="web_chat", subject="Where is my order #2190?",
    snippet="It was due   last\nweek", labels=["order-status", "vip", "a" * 40], status="pending",
    priority="urgent", assignee="Sam Other", unread=3, last_message_at=int(NOW - 300), created_at=int(NOW - 9000),
    sla_due_at=int(NOW + 600), first_response_at=None, intent="order_status", sla_target_s=3600)


def _views() -> dict[str, ViewFilter]:
    return {v.key: v.filter for v in builtin_views(["email", "whatsapp"])}


def test_a_row_reads_customer_time_then_subject_and_chips():
    c = row_content(ROW, frozenset(), now=NOW)
    assert (c.customer, c.channel, c.assignee, c.when) == ("Chloe Taylor", "web_chat", "Sam Other", "5m")
    assert (c.subject, c.snippet) == ("Where is my order #2190?", "It was due last week")
    assert [x.text for x in c.state] == ["pending"]
    # urgent first; the label that repeats the intent is left out; a long label is shortened
    assert [(x.text, x.tone) for x in c.optional] == [("urgent", "alert"), ("order status", "intent"),
                                                      ("vip", "label"), ("a" * 23 + "…", "label")]
    assert [(x.text, x.tone) for x in c.fixed] == [("SLA 10m", "warn")]
    assert c.unread == 3 and not c.outside
    assert c.accessible_text().startswith("Chloe Taylor, Web chat, 5m, Where is my order #2190?")


def test_sla_chip_tone_follows_the_share_of_the_target_used():
    # a one-hour target due at NOW + 10 min: grey for its first half, amber after, red once past
    assert row_content(ROW, frozenset(), now=NOW - 2400).fixed == (Chip("SLA 50m", "neutral"),)
    assert row_content(ROW, frozenset(), now=NOW - 1200).fixed == (Chip("SLA 30m", "warn"),)
    assert row_content(ROW, frozenset(), now=NOW + 900).fixed == (Chip("SLA -5m", "alert"),)
    assert row_content(replace(ROW, sla_due_at=None), frozenset(), now=NOW).fixed == ()  # answered


def test_a_synced_conversation_counts_down_until_a_human_answers(db):
    """From the real ingest to the chip: an SMS (1 h target) the customer opened at T0, read back as the list
    reads its rows, at pinned moments."""
    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with db.write() as conn:
        account = accounts.insert_account(conn, "chatwoot", "hub", "http://127.0.0.1:1", {})
        cid = apply_batch(conn, account, [
            Conversation("1", Channel.SMS, Status.OPEN, None, t0, t0, subject="Where is my parcel?"),
            Message("m1", "1", Direction.IN, t0, text="Where is my parcel?", author_kind=AuthorKind.CONTACT),
            Message("m2", "1", Direction.OUT, t0 + timedelta(minutes=1), text="Bot here", automated=True,
                    author_kind=AuthorKind.BOT)], stream="s", cursor=None).conversation_ids[0]

    def chips(minutes: float) -> tuple[Chip, ...]:
        row = rows_for(db, [cid])[cid]
        return row_content(row, frozenset(), now=(t0 + timedelta(minutes=minutes)).timestamp()).fixed

    assert chips(10) == (Chip("SLA 50m", "neutral"),)
    assert chips(30) == (Chip("SLA 30m", "warn"),)  # half the hour gone: "at risk now" on the dashboard too
    assert chips(65) == (Chip("SLA -5m", "alert"),)
    with db.write() as conn:
        apply_batch(conn, account, [Message("m3", "1", Direction.OUT, t0 + timedelta(minutes=70), text="It left today",
                                            author_kind=AuthorKind.AGENT)], stream="s", cursor=None)
    assert chips(75) == ()


def test_no_subject_shows_the_last_message_and_a_draft_is_marked():
    c = row_content(replace(ROW, subject="  "), frozenset(), now=NOW, draft=True)
    assert (c.subject, c.snippet) == ("✎ It was due last week", "")


def test_each_view_leaves_out_what_it_says_already():
    views = _views()
    assert hidden_parts(views["mine"]) >= {"assignee"} and hidden_parts(views["unassigned"]) >= {"assignee"}
    assert "assignee" not in hidden_parts(views["open"])
    assert row_content(ROW, hidden_parts(views["mine"]), now=NOW).assignee == ""
    assert row_content(replace(ROW, assignee=""), hidden_parts(views["open"]), now=NOW).assignee == "unassigned"
    assert row_content(ROW, hidden_parts(views["channel:email"]), now=NOW).channel == ""
    resolved = row_content(replace(ROW, status="resolved"), hidden_parts(views["resolved"]), now=NOW)
    assert resolved.state == () and resolved.fixed == ()  # no status chip, no SLA on a resolved one
    urgent = row_content(ROW, hidden_parts(views["urgent"]), now=NOW)
    assert "urgent" not in [x.text for x in urgent.optional]
    vip = row_content(ROW, hidden_parts(ViewFilter(label="vip")), now=NOW)
    assert "vip" not in [x.text for x in vip.optional]
    assert row_content(replace(ROW, status="open"), frozenset(), now=NOW).state == ()  # open is the norm


def test_a_row_outside_its_view_says_so():
    c = row_content(replace(ROW, status="resolved"), hidden_parts(_views()["open"]), now=NOW, outside=True)
    assert [(x.text, x.tone) for x in c.state] == [("resolved · not in this view", "warn")] and c.outside


def test_chips_give_way_most_important_last_and_are_counted():
    painter = ChipPainter(QFont())
    optional = [Chip("urgent", "alert"), Chip("order status", "intent"), Chip("vip", "label")]
    fixed = [Chip("SLA 5m", "warn")]
    assert painter.fit(optional, fixed, 2000) == [*optional, *fixed]
    one = painter.row_width([optional[0], Chip("+2"), *fixed])
    assert painter.fit(optional, fixed, one) == [optional[0], Chip("+2"), *fixed]
    assert painter.fit(optional, fixed, painter.row_width([Chip("+3"), *fixed])) == [Chip("+3"), *fixed]
    assert painter.fit(optional, fixed, 5) == fixed  # the SLA countdown is never dropped
    assert painter.row_width([]) == 0


def test_a_chip_is_rendered_once_then_copied(qapp):
    painter_for = ChipPainter(QFont())
    image = QImage(400, 40, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    end = painter_for.paint(painter, [Chip("vip", "label"), Chip("vip", "label")], 10, 5)
    painter.end()
    assert end == 10 + 2 * (painter_for.width(Chip("vip")) + 4) and len(painter_for._pixmaps) == 1
    fill = QColor(theme.TONES["label"][0][1])
    assert image.pixelColor(10 + painter_for.width(Chip("vip")) // 2, 6).name() == fill.name()  # its light fill


def _contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("dark", [False, True])
def test_every_colour_pair_reads_on_both_palettes(qapp, dark):
    palette = theme.palette(dark)
    base = palette.color(QPalette.ColorRole.Base)
    for role in ("Text", "PlaceholderText", "Link"):
        assert _contrast(palette.color(getattr(QPalette.ColorRole, role)), base) >= 4.5, role
    highlight = palette.color(QPalette.ColorRole.Highlight)
    assert _contrast(palette.color(QPalette.ColorRole.HighlightedText), highlight) >= 4.5
    assert _contrast(QColor("#ffffff"), QColor(theme.ACCENT)) >= 4.5  # the unread badge
    for name, pairs in theme.TONES.items():
        fg, bg = pairs[1 if dark else 0]
        assert _contrast(QColor(fg), QColor(bg)) >= 4.5, name


@pytest.mark.parametrize("dark", [False, True])
def test_tones_follow_the_application_palette(qapp, dark):
    saved = qapp.palette()
    try:
        qapp.setPalette(theme.palette(dark))
        assert theme.tone("alert")[0] == QColor(theme.TONES["alert"][1 if dark else 0][0])
        assert theme.tone("no such tone") == theme.tone("neutral")
    finally:
        qapp.setPalette(saved)


@pytest.mark.parametrize("width", [180, 320, 440, 700])
def test_a_row_paints_within_its_width_with_the_subject_first(qapp, width):
    """Painted at several widths: nothing drawn outside the row; the SLA countdown always shows and, once
    the list is not squeezed, the subject keeps most of line 2."""
    painter_for = RowPainter(QFont())
    image = QImage(width + 40, painter_for.height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#00000000"))
    painter = QPainter(image)
    palette = theme.palette(False)
    painter_for.paint(painter, width, row_content(ROW, frozenset(), now=NOW), palette, selected=False)
    painter_for.paint(painter, width, None, palette, selected=True)  # a row still on its way
    painter.end()
    outside = {image.pixelColor(x, y).alpha() for x in range(width, width + 40) for y in range(painter_for.height)}
    assert outside == {0}
    assert painter_for.height >= 2 * QFontMetrics(QFont()).height()
    shown, chips_right, subject = painter_for.second_line(row_content(ROW, frozenset(), now=NOW), width)
    assert Chip("SLA 10m", "warn") in shown and chips_right <= width
    room = chips_right - painter_for.text_left(row_content(ROW, frozenset(), now=NOW))
    if width >= 320:
        assert subject >= 140 and subject >= room * 0.6 - 1


def test_line_one_keeps_the_name_whole_before_the_assignee_gets_room(qapp):
    painter = RowPainter(QFont())
    c = row_content(replace(ROW, unread=0), frozenset(), now=NOW)
    name = painter.metrics.horizontalAdvance(c.customer)
    wide_name, wide_assignee = painter.first_line(c, 600)
    assert wide_name >= name and wide_assignee == painter.metrics.horizontalAdvance("Sam Other")
    narrow = painter.text_left(c) + name + painter.chips.row_width(c.state) + 80  # no room left for "Sam Other"
    narrow_name, narrow_assignee = painter.first_line(c, narrow)
    assert narrow_name >= name and narrow_assignee == 0  # left out rather than cut to "S…"
    tight_name, _ = painter.first_line(c, narrow - 60)
    assert 0 < tight_name < name  # only now is the name elided

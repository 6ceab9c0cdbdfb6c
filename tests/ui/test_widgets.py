"""Pane widgets on their own: thread HTML, pickers, status bar, accounts, first run, app (the thread view, the
composer and the search popup have their own files)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from deskapp.services.thread import AttachmentInfo, ThreadMessage
from deskapp.ui.thread_html import render_message


def _msg(**kw) -> ThreadMessage:
    base = {"id": 1, "conversation_id": 1, "channel": "email", "direction": "in", "author": "Ann", "text": "",
            "html": "", "sent_at": 1_700_000_000, "delivery": "received", "automated": False}
    base.update(kw)
    return ThreadMessage(**base)


def test_rendered_html_is_sanitized_and_remote_images_wait_for_the_agent():
    m = _msg(html='<p onclick="x()">Hi <script>alert(1)</script><img src="https://t.example/p.gif"></p>')
    r = render_message(m)
    assert "alert" not in r.html and "onclick" not in r.html and "t.example" not in r.html
    assert r.remote_images and "deskapp:load-images/1" in r.html
    assert "<img" not in r.html  # no broken-image box where the blocked image was
    allowed = render_message(m, allow_remote=True)
    assert "https://t.example/p.gif" in allowed.html and not allowed.remote_images


def test_notes_activity_attachments_and_long_text():
    note = render_message(_msg(direction="note", text="internal"))
    assert "Internal note" in note.html and "#fff4c2" in note.html
    activity = render_message(_msg(direction="activity", text="Assigned to Sam"))
    assert "Assigned to Sam" in activity.html and "<table" not in activity.html
    files = _msg(text="", attachments=[AttachmentInfo(5, "<b>x</b>.pdf", "application/pdf", 2048, "", None)])
    rendered = render_message(files)
    assert "deskapp:attachment/5" in rendered.html and "&lt;b&gt;x&lt;/b&gt;.pdf" in rendered.html
    long = render_message(_msg(text=("line of text\n" * 20_000)))
    assert long.more and all(len(part) < 20_000 for part in long.parts)
    assert "open the whole message" in long.html


def test_bot_and_automated_replies_are_theirs_and_deleted_messages_say_so():
    bot = render_message(_msg(direction="out", author="ShopBot", text="Hi!", automated=True, author_kind="bot"))
    assert "ShopBot" in bot.html and "· Bot ·" in bot.html and "Reply" not in bot.html
    campaign = render_message(_msg(direction="out", author="Ann", text="Spring sale", automated=True,
                                   author_kind="system"))
    assert "· Automated ·" in campaign.html and "Reply" not in campaign.html
    human = render_message(_msg(direction="out", author="Ann", text="On its way", author_kind="agent"))
    assert "· Reply ·" in human.html and "automated" not in human.html
    gone = render_message(_msg(text="", deleted=True))
    assert "message deleted" in gone.html and "(no text)" not in gone.html


def test_choice_dialog_filters_and_enter_chooses(qtbot):
    from deskapp.ui.pickers import ChoiceDialog, LabelDialog

    dialog = ChoiceDialog("Assign to", [("Maya (me)", 1), ("Sam", 2), ("Team: Tier 1", 3)])
    qtbot.addWidget(dialog)
    QTest.keyClicks(dialog.filter, "tier")
    assert dialog.list.count() == 1
    QTest.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert dialog.chosen == 3
    labels = LabelDialog(["vip"], ["vip", "refund"])
    qtbot.addWidget(labels)
    QTest.keyClicks(labels.new, "urgent-return")
    QTest.keyClick(labels.new, Qt.Key.Key_Return)
    assert sorted(labels.labels()) == ["urgent-return", "vip"]


def test_status_bar_shows_accounts_progress_and_outbox(qtbot):
    from deskapp.ui.status_bar import SyncStatusBar

    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.set_accounts([{"id": 1, "name": "Hub", "state": "online", "last_sync": 1_700_000_000, "last_error": None},
                      {"id": 2, "name": "Shop", "state": "auth_needed", "last_sync": None, "last_error": "401"}])
    text = bar.accounts_label.text()
    assert "Hub: online" in text and "Shop: sign-in needed" in text and "401" in text
    bar.on_event(1, "online", 3, 10, "pulling conversations", None)
    assert not bar.progress.isHidden() and bar.progress.value() == 3 and "Hub: syncing" in bar.accounts_label.text()
    bar.on_event(1, "online", 1000, 98000, "newest 1,000 conversations ready, backfilling 1,000 of 98,000", None)
    assert "Hub: syncing — newest 1,000 conversations ready, backfilling" in bar.accounts_label.text()
    bar.on_event(1, "online", 1, 1, "synced", None)
    assert bar.progress.isHidden()
    bar.set_outbox(4, 1)
    assert bar.outbox.text() == "Outbox: 4 · 1 need you"


def test_accounts_widget_add_edit_remove(qtbot, ws):
    from deskapp.services import accounts
    from deskapp.ui import accounts_dialog
    from deskapp.ui.tasks import TaskRunner

    widget = accounts_dialog.AccountsWidget(ws, TaskRunner())
    qtbot.addWidget(widget)
    widget.add()
    dialog = widget.dialog
    dialog.name.setText("Hub")
    dialog.url.setText("http://127.0.0.1:9")
    dialog.chatwoot_id.setValue(3)
    dialog.token.setText("tok")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: widget.list.count() == 1, timeout=10_000)  # saved off the GUI thread
    account_id = accounts.list_accounts(ws)[0].id
    assert ws.secrets.get(account_id) == "tok" and accounts.get_account(ws, account_id).settings == {"account_id": 3}
    widget.edit()
    widget.dialog.name.setText("Hub renamed")  # the token left empty: kept
    widget.dialog.save()
    qtbot.waitUntil(lambda: "Hub renamed" in widget.list.item(0).text(), timeout=10_000)
    assert ws.secrets.get(account_id) == "tok"
    widget.test()
    qtbot.waitUntil(lambda: widget.result.text().startswith("✘"), timeout=20_000)  # nothing listens on :9
    widget.remove(confirm=False)
    qtbot.waitUntil(lambda: widget.list.count() == 0, timeout=10_000)
    assert accounts.list_accounts(ws) == []


def test_account_edit_dialog_validates(qtbot, ws):
    from deskapp.ui.accounts_dialog import AccountEditDialog
    from deskapp.ui.tasks import TaskRunner

    dialog = AccountEditDialog(ws=ws, tasks=TaskRunner())
    qtbot.addWidget(dialog)
    dialog.url.setText("hub.example.com")
    dialog.save()
    assert "http" in dialog.error.text() and dialog.result() == 0
    dialog.url.setText("https://hub.example.com")
    dialog.save()
    assert "token" in dialog.error.text()
    dialog.token.setText("t")
    dialog.kind.setCurrentIndex(1)
    assert dialog.chatwoot_id.isHidden()
    assert dialog.problem() is None and dialog.values()["kind"] == "shopify"
    dialog.kind.setCurrentIndex(2)
    assert dialog.is_mailbox() and dialog.pages.currentIndex() == 1
    dialog.save()
    assert dialog.error.text() == "The IMAP server is needed"


def test_app_smoke_run_offscreen(filled):
    from deskapp.bootstrap import build_services
    from deskapp.ui import app

    assert app.run(filled, build_services(filled), {"smoke": True}) == 0


def test_app_screenshot_of_a_filled_cache(filled, tmp_path):
    from PySide6.QtGui import QImage

    from deskapp.bootstrap import build_services
    from deskapp.cli import build_parser
    from deskapp.ui import app

    target = tmp_path / "shot.png"
    size = build_parser().parse_args(["--window-size", "1280x720"]).window_size
    assert app.run(filled, build_services(filled), {"screenshot": str(target), "window_size": size}) == 0
    assert target.read_bytes()[:4] == b"\x89PNG" and target.stat().st_size > 20_000
    assert QImage(str(target)).size().toTuple() == (1280, 720)


@pytest.mark.parametrize("value", ["1440", "1440x", "x860", "wide x tall", "100x100", "1440x860x2"])
def test_window_size_option_refuses_what_is_not_a_size(value, capsys):
    from deskapp.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--window-size", value])
    assert "is not a window size like 1440x860" in capsys.readouterr().err


def test_dark_and_light_palettes_and_tinted_icons(qapp):
    from PySide6.QtGui import QPalette

    from deskapp.ui import icons, theme

    dark, light = theme.palette(True), theme.palette(False)
    assert dark.color(QPalette.ColorRole.Window).lightness() < 60 < light.color(QPalette.ColorRole.Window).lightness()
    theme.apply(qapp)
    for name in ("email", "whatsapp", "resolve", "snooze", "deskapp"):
        assert not icons.icon(name).isNull(), name
    assert icons.icon("no-such-icon").isNull()


def test_first_run_dialog_offers_demo_or_an_account(qtbot):
    from PySide6.QtWidgets import QPushButton

    from deskapp.ui.accounts_dialog import FirstRunDialog

    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    buttons = {b.accessibleName(): b for b in dialog.findChildren(QPushButton)}
    buttons["Open the demo workspace"].click()
    assert dialog.choice == FirstRunDialog.DEMO and dialog.result() == 1
    again = FirstRunDialog()
    qtbot.addWidget(again)
    {b.accessibleName(): b for b in again.findChildren(QPushButton)}["Add an account"].click()
    assert again.choice == FirstRunDialog.ADD

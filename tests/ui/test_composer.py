"""ui.composer: Ctrl+Enter sends (reply or note), a /shortcut asks for a template, drafts are reported as typed,
and an empty composer sends nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def test_composer_ctrl_enter_slash_template_and_drafts(qtbot):
    from deskapp.ui.composer import Composer

    composer = Composer()
    qtbot.addWidget(composer)
    composer.set_channel("whatsapp")
    assert "WhatsApp" in composer.channel_label.text()
    sent, asked, drafts = [], [], []
    composer.send_requested.connect(lambda t, n: sent.append((t, n)))
    composer.template_requested.connect(asked.append)
    composer.draft_changed.connect(lambda t, n: drafts.append((t, n)))
    QTest.keyClicks(composer.editor, "Hello /ship")
    QTest.keyClick(composer.editor, Qt.Key.Key_Tab)
    assert asked == ["/ship"]
    composer.insert_text("Your parcel ships today.")
    assert composer.text() == "Hello Your parcel ships today."
    composer.flush_draft()
    assert drafts[-1] == ("Hello Your parcel ships today.", False)
    composer.set_mode(True)
    QTest.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent == [("Hello Your parcel ships today.", True)]
    composer.load("", False)
    composer.send()
    assert len(sent) == 1  # nothing to send

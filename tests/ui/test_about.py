"""ui.about: the About dialog's facts (version, data and log folders)."""

from deskapp import __version__
from deskapp.ui.about import AboutDialog


def test_about_shows_version_and_folders(qtbot, tmp_path):
    dialog = AboutDialog(tmp_path / "data", tmp_path / "data" / "logs")
    qtbot.addWidget(dialog)
    text = dialog.findChild(type(dialog.layout().itemAt(0).widget()), "aboutText").text()
    assert __version__ in text
    assert str(tmp_path / "data" / "logs") in text

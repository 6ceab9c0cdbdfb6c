"""ui.sidebar: the views sidebar: built-in, channel and saved views with live counts, the selection kept across
rebuilds, and viewSelected told when the agent picks another view."""

from __future__ import annotations

import pytest

from deskapp.services.inbox import View, builtin_views
from deskapp.ui.sidebar import KEY_ROLE, ViewsSidebar


@pytest.fixture
def sidebar(qtbot):
    widget = ViewsSidebar()
    qtbot.addWidget(widget)
    return widget


def test_views_are_listed_in_order_and_picking_one_tells_which(sidebar, qtbot):
    views = builtin_views(["email", "web_chat"])
    sidebar.set_views(views, current="open")
    assert [sidebar.topLevelItem(i).text(0) for i in range(sidebar.topLevelItemCount())] == [v.title for v in views]
    assert sidebar.current_key() == "open"
    with qtbot.waitSignal(sidebar.view_selected) as picked:
        sidebar.select("channel:email")
    assert picked.args[0].key == "channel:email" and sidebar.view("channel:email") is picked.args[0]


def test_counts_show_per_view_and_a_missing_count_shows_nothing(sidebar):
    sidebar.set_views(builtin_views([]))
    sidebar.set_counts({"mine": 4, "open": 0})
    texts = {sidebar.topLevelItem(i).data(0, KEY_ROLE): sidebar.topLevelItem(i).text(1)
             for i in range(sidebar.topLevelItemCount())}
    assert texts["mine"] == "4" and texts["open"] == "0" and texts["unassigned"] == ""


def test_a_rebuild_keeps_the_selection_and_the_counts_without_telling_anyone(sidebar, qtbot):
    views = builtin_views(["email"])
    sidebar.set_views(views, current="urgent")
    sidebar.set_counts({"urgent": 2})
    saved = View("saved:VIP", "VIP", views[0].filter, saved=True)
    told = []
    sidebar.view_selected.connect(told.append)
    sidebar.set_views([*views, saved])  # a saved view was added: rebuilt
    assert sidebar.current_key() == "urgent" and told == []
    assert sidebar.topLevelItemCount() == len(views) + 1 and sidebar.view("saved:VIP").saved
    assert sidebar.topLevelItem(3).text(1) == "2"


def test_the_same_views_again_do_not_rebuild_the_list(sidebar):
    views = builtin_views(["sms"])
    sidebar.set_views(views, current="mine")
    first_item = sidebar.topLevelItem(0)
    sidebar.set_views(builtin_views(["sms"]))
    assert sidebar.topLevelItem(0) is first_item and sidebar.current_key() == "mine"


def test_selecting_a_view_that_is_not_there_changes_nothing(sidebar):
    sidebar.set_views(builtin_views([]), current="mine")
    sidebar.select("saved:gone")
    assert sidebar.current_key() == "mine" and sidebar.view("saved:gone") is None

"""Exported CSV: what a spreadsheet would run as a formula is defused, numbers and text stay as they were."""

import csv

import pytest

from deskapp.ui.csv_file import safe_cell, write_csv


@pytest.mark.parametrize(("value", "written"), [
    ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("-2+3", "'-2+3"),
    ("\tTAB", "'\tTAB"),
    ("-3.5", "-3.5"),  # a negative number is a number, not a formula
    ("Ada Lovelace", "Ada Lovelace"),
    ("", ""),
    (-4, -4),
    (0.25, 0.25),
    (None, None),
])
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_write_csv_defuses_every_cell_and_round_trips_the_rest(tmp_path):
    path = tmp_path / "agents.csv"
    write_csv(path, ["Agent", "=cmd"], [["=1+1", 3], ["Zoë, \"the\" agent\nsecond line", -2.5], [None, ""]])
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["Agent", "'=cmd"], ["'=1+1", "3"], ["Zoë, \"the\" agent\nsecond line", "-2.5"], ["", ""]]

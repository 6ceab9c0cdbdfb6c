"""A plain `deskapp search` line is read without argparse (cli.search.quick_args) exactly as argparse reads it;
every other line, `--help` and mistakes included, is left to argparse, which explains it."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskapp.cli.entry import build_parser
from deskapp.cli.search import quick_args
from tests.test_cli_start import _fill, run_cli

_TOKENS = st.sampled_from(["search", "refund", "parcel damaged", "--json", "--limit", "5", " 7", "-3", "x5",
                           "--limit=9", "--limit=", "--data-dir", "/tmp/d", "--data-dir=/tmp/e", "-v", "--verbose",
                           "-h", "--help", "--", "-", "", "--lim", "--js", "--demo", "a=b", "-vv", "--data"])
_BEFORE = st.lists(st.sampled_from([["--data-dir", "/tmp/d"], ["--data-dir=/tmp/e"], ["-v"], ["--verbose"],
                                    ["--json"], ["--limit", "4"], ["--data-dir", "-x"]]), max_size=3)
_AFTER = st.lists(st.sampled_from([["--json"], ["--limit", "5"], ["--limit=9"], ["--limit", " 7"], ["-v"],
                                   ["--verbose"], ["--data-dir", "/x"], ["search"], ["--limit", "-3"],
                                   ["--limit", "x5"], ["-h"], ["--lim", "5"], ["--limit"]]), max_size=3)


def _shaped(before: list[list[str]], after: list[list[str]], at: int, query: str) -> list[str]:
    after.insert(min(at, len(after)), [query])
    return [word for option in (*before, ["search"], *after) for word in option]


# Lines shaped like real ones (options, the verb, its query and options), and any mix of the same words.
_LINES = st.one_of(st.builds(_shaped, _BEFORE, _AFTER, st.integers(0, 3), st.sampled_from(["refund", "a b", "-q"])),
                   st.lists(_TOKENS, max_size=7))


def _argparse(argv: list[str]) -> dict | None:
    parser = build_parser("search")
    parser.exit_on_error = False
    try:
        args = parser.parse_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None
    return vars(args)


@settings(max_examples=400, deadline=None)  # values, not speed: load must not fail it
@given(_LINES)
def test_a_line_read_by_hand_is_read_as_argparse_reads_it(argv: list[str]) -> None:
    quick = quick_args(argv)
    if quick is not None:
        assert vars(quick) == _argparse(argv)


@pytest.mark.parametrize("argv", [
    ["search", "refund"],
    ["--data-dir", "/tmp/d", "-v", "search", "parcel damaged", "--limit", "50", "--json"],
    ["--data-dir=/tmp/d", "search", "--limit=3", "refund"],
])
def test_the_lines_scripts_write_skip_argparse(argv: list[str]) -> None:
    quick = quick_args(argv)
    assert quick is not None and vars(quick) == _argparse(argv)


@pytest.mark.parametrize("argv", [
    ["search", "--help"], ["search"], ["search", "-h"], ["search", "refund", "--limit", "many"],
    ["search", "refund", "--lim", "5"], ["search", "--", "-refund"], ["--demo", "search", "x"],
    ["search", "refund", "--data-dir", "/tmp/d"], ["kpi"], [],
])
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert quick_args(argv) is None


def test_a_plain_search_runs_without_argparse_and_its_imports(tmp_path, data_dir) -> None:
    """What a plain search line would otherwise pay for at start-up, in a real process."""
    _fill(data_dir)
    code, out, err, loaded = run_cli(tmp_path, "--data-dir", str(data_dir), "search", "parcel", "--limit", "5",
                                     watch=("argparse", "gettext", "shutil", "threading", "sqlalchemy"))
    assert code == 0, err
    assert "Greta Lindqvist" in out and loaded == []
    code, out, _err, loaded = run_cli(tmp_path, "--data-dir", str(data_dir), "search", "--help", watch=("argparse",))
    assert code == 0 and "--limit" in out and loaded == ["argparse"]

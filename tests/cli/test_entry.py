"""cli.entry: every verb has a parser module, the verb is named from a line before its parser is built, window
sizes are read within bounds, --as needs --demo, and a data folder that cannot be opened is one line, exit 2."""

from __future__ import annotations

import argparse

import pytest

from deskapp.cli import entry


def test_every_verb_is_offered_by_the_whole_parser():
    parser = entry.build_parser()
    [verbs] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(verbs.choices) == set(entry.VERB_MODULES)


@pytest.mark.parametrize("verb", sorted(entry.VERB_MODULES))
def test_a_verbs_parser_holds_that_verb_and_the_others_of_its_module_only(verb):
    parser = entry.build_parser(verb)
    [verbs] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(verbs.choices) == {v for v, m in entry.VERB_MODULES.items() if m == entry.VERB_MODULES[verb]}


@pytest.mark.parametrize(("argv", "verb"), [
    ([], None), (["--data-dir", "/tmp/x", "stats", "--json"], "stats"), (["-v", "account", "list"], "account"),
    (["--window-size", "bogus", "stats"], None),  # a wrong line: the whole parser explains it
    (["frobnicate"], None), (["--tab", "inbox"], None), (["--data-dir"], None),
])
def test_verb_of(argv, verb):
    assert entry.verb_of(argv) == verb


@pytest.mark.parametrize(("text", "size"), [("1440x860", (1440, 860)), ("320X240", (320, 240)),
                                            ("10000x10000", (10_000, 10_000))])
def test_window_size_within_bounds(text, size):
    assert entry.window_size(text) == size


@pytest.mark.parametrize("text", ["319x240", "320x239", "10001x800", "1440", "1440x", "x860", "wide", "1e3x800",
                                  "-1440x860", "1440x860x2", ""])
def test_window_size_refuses_what_is_not_one(text):
    with pytest.raises(argparse.ArgumentTypeError, match="is not a window size like 1440x860"):
        entry.window_size(text)


def test_as_needs_demo(capsys, data_dir):
    with pytest.raises(SystemExit) as refused:
        entry.main(["--data-dir", str(data_dir), "--as", "supervisor"])
    assert refused.value.code == 2 and "--as goes with --demo" in capsys.readouterr().err


def test_a_data_folder_that_cannot_be_opened_is_one_line_and_exit_2(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert entry.main(["--data-dir", str(blocker / "data"), "stats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deskapp: cannot open the data folder: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_an_unknown_verb_is_refused_by_argparse(capsys, data_dir):
    with pytest.raises(SystemExit) as refused:
        entry.main(["--data-dir", str(data_dir), "frobnicate"])
    assert refused.value.code == 2 and "invalid choice: 'frobnicate'" in capsys.readouterr().err

"""cli.triage: `deskapp triage` labels each stdin line as it comes, as tab-separated text or one JSON object."""

from __future__ import annotations

import io
import json

import pytest

from deskapp import cli


def run(capsys, monkeypatch, data_dir, stdin: str, *args) -> tuple[int, list[str]]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(["--data-dir", str(data_dir), "triage", *args])
    out, _err = capsys.readouterr()
    return code, out.splitlines()


def test_each_line_gets_intent_urgency_sentiment_and_language(capsys, monkeypatch, data_dir, db):
    code, lines = run(capsys, monkeypatch, data_dir, "Where is my order #1042?\r\nok\n")
    assert code == 0 and len(lines) == 2
    intent, urgency, sentiment, score, lang = lines[0].split("\t")
    assert (intent, lang) == ("order_status", "en")
    assert urgency in ("low", "normal", "high", "urgent") and sentiment in ("negative", "neutral", "positive")
    assert -1.0 <= float(score) <= 1.0 and score[0] in "+-"
    assert lines[1].split("\t")[4] == "-"  # too short to tell its language


def test_json_lines_keep_non_ascii_text_readable(capsys, monkeypatch, data_dir, db):
    code, lines = run(capsys, monkeypatch, data_dir, "wo ist meine Bestellung\nasdkjh qwpoe zzxv\n", "--json")
    first, second = (json.loads(line) for line in lines)
    assert code == 0
    assert (first["intent"], first["language"]) == ("order_status", "de")
    assert second["intent"] == "not_sure"


@pytest.mark.parametrize("stdin", ["", "\n\n", "\x00\x01\n" + "a" * 100_000 + "\n"])
def test_empty_blank_and_odd_input_is_no_crash(capsys, monkeypatch, data_dir, db, stdin):
    code, lines = run(capsys, monkeypatch, data_dir, stdin)
    assert code == 0 and len(lines) == stdin.count("\n")

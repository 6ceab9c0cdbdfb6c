"""cli.kpi: `deskapp kpi` prints a period's figures as text or JSON (an empty period says so without failing; a
bad date or zone is one line, exit 2), and `deskapp import surveys` loads a CSV, reporting each rejected row."""

from __future__ import annotations

import json

import pytest

from deskapp import cli

PERIOD = ["--from", "2026-01-01", "--to", "2026-02-01", "--tz", "UTC"]  # fixed days: no clock involved


def run(capsys, data_dir, *args) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_empty_period_as_json(capsys, data_dir, db):
    code, out, _ = run(capsys, data_dir, "kpi", *PERIOD, "--json")
    report = json.loads(out)
    assert code == 0 and report["period"]["from"] == "2026-01-01" and report["period"]["tz"] == "UTC"
    assert report["volume"]["total"] == 0 and report["agents"] == []


def test_an_empty_period_as_text(capsys, data_dir, db):
    code, out, _ = run(capsys, data_dir, "kpi", *PERIOD)
    assert code == 0 and out.startswith("period          2026-01-01 – 2026-02-01 (exclusive, UTC)")
    assert "volume          0 conversations" in out


@pytest.mark.parametrize("args", [["--from", "yesterday"], ["--from", "2026-02-01", "--to", "2026-01-01"],
                                  ["--tz", "Mars/Olympus"]])
def test_a_bad_period_is_one_line_and_exit_2(capsys, data_dir, db, args):
    code, out, err = run(capsys, data_dir, "kpi", *PERIOD, *args)
    assert (code, out) == (2, "") and err.startswith("deskapp: ") and err.count("\n") == 1


def test_agent_and_team_together_are_refused(capsys, data_dir, db):
    with pytest.raises(SystemExit) as refused:
        cli.main(["--data-dir", str(data_dir), "kpi", "--agent", "a@x.example", "--team", "Tier 1"])
    assert refused.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_surveys_import_and_each_rejected_row_is_said(capsys, data_dir, db, tmp_path):
    csv = tmp_path / "surveys.csv"
    csv.write_text("kind,score,at,id\n"
                   "nps,9,2026-01-05T10:00:00Z,r1\n"
                   "ces,5,2026-01-06T10:00:00Z,r2\n"
                   "nps,11,2026-01-07T10:00:00Z,r3\n"  # out of range
                   "mood,3,2026-01-08T10:00:00Z,r4\n", encoding="utf-8")  # no such kind
    code, out, err = run(capsys, data_dir, "import", "surveys", str(csv), "--tz", "UTC")
    assert code == 1 and out.startswith("2 answers imported, 0 updated, 2 rows rejected")
    assert [line.split(":")[1] for line in err.splitlines()] == ["4", "5"]
    code, out, _ = run(capsys, data_dir, "import", "surveys", str(csv), "--tz", "UTC", "--json")
    assert code == 1 and json.loads(out)["updated"] == 2  # the same ids again: updated, not doubled


def test_a_survey_file_that_cannot_be_read_is_one_line_and_exit_2(capsys, data_dir, db, tmp_path):
    code, _, err = run(capsys, data_dir, "import", "surveys", str(tmp_path / "missing.csv"))
    assert code == 2 and err.startswith(f"deskapp: cannot read {tmp_path / 'missing.csv'}")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x00garbage\x80")
    code, _, err = run(capsys, data_dir, "import", "surveys", str(binary))
    assert code == 2 and err.startswith(f"deskapp: cannot read {binary}: 'utf-8' codec can't decode")

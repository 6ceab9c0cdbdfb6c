"""cli.output: every verb prints one JSON document per line on stdout, and errors as `deskapp: ...` on stderr."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from deskapp.cli.output import fail, print_json


def test_one_line_of_json_per_document_with_text_kept_as_written(capsys):
    print_json({"subject": "Größe \"M\"\nzu klein", "n": 3})
    print_json([1, None])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0]) == {"subject": "Größe \"M\"\nzu klein", "n": 3} and "Größe" in lines[0]
    assert json.loads(lines[1]) == [1, None]


def test_dates_paths_and_other_objects_are_printed_as_their_text(capsys):
    print_json({"at": datetime(2025, 6, 2, 12, 0, tzinfo=UTC), "file": Path("/tmp/x"), "ids": {1}})
    doc = json.loads(capsys.readouterr().out)
    assert doc == {"at": "2025-06-02 12:00:00+00:00", "file": "/tmp/x", "ids": "{1}"}


def test_an_error_goes_to_stderr_with_the_usage_exit_code(capsys):
    assert fail("no such conversation: 42") == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err == "deskapp: no such conversation: 42\n"

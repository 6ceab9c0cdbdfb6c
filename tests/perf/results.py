"""Appends benchmark figures to tests/perf/results/latest.json (merged by name), for `make bench`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def record(name: str, value: float, unit: str, baseline: float | None, target: str | float | None) -> None:
    """Store one figure beside the raw baseline measured in the same run; replaces an older same-name entry."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    try:
        entries = json.loads(RESULTS.read_text(encoding="utf-8"))
        if not isinstance(entries, list):
            entries = []
    except (OSError, ValueError):
        entries = []
    entries = [e for e in entries if isinstance(e, dict) and e.get("name") != name]
    entries.append({"name": name, "value": value, "unit": unit, "baseline": baseline, "target": target})
    fd, tmp = tempfile.mkstemp(dir=RESULTS.parent, prefix=".latest-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(entries, handle, indent=2)
    os.replace(tmp, RESULTS)

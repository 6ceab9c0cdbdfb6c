"""Imports NPS, CES and CSAT answers exported by a survey tool (CSV) into ``survey_response``.

Columns (header row required, names case-insensitive, extra columns ignored):
  kind          csat | nps | ces                                   (required)
  score         integer: csat 1–5, nps 0–10, ces 1–7               (required)
  at            ISO 8601 date or time; without an offset it is read in the given time zone (required)
  id            the tool's response id; re-importing the same id updates instead of duplicating (optional;
                default: a hash of the row)
  conversation  the help desk's conversation id (its external id, or #<local id>) (optional)
  email         the customer's email, to link the answer to the customer (optional)
  comment       free text (optional)
Bad rows are reported with their line numbers; good rows are kept.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
REQUIRED = ("kind", "score", "at")


@dataclass
class SurveyImport:
    imported: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)

    def as_dict(self) -> dict:
        return {"imported": self.imported, "updated": self.updated,
                "errors": [{"line": n, "error": e} for n, e in self.errors]}


@dataclass(frozen=True)
class _Answer:
    external_id: str
    kind: str
    score: int
    at: int
    conversation_ref: str
    email: str
    comment: str


def _parse_time(value: str, tz: ZoneInfo) -> int:
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.combine(date.fromisoformat(value), time(0))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return int(moment.timestamp())


def _parse_row(row: dict[str, str], tz: ZoneInfo) -> _Answer:
    missing = [c for c in REQUIRED if not (row.get(c) or "").strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    kind = row["kind"].strip().lower()
    if kind not in RANGES:
        raise ValueError(f"kind {row['kind']!r} is not csat, nps or ces")
    try:
        score = int(row["score"].strip())
    except ValueError:
        raise ValueError(f"score {row['score']!r} is not a whole number") from None
    low, high = RANGES[kind]
    if not low <= score <= high:
        raise ValueError(f"{kind} score {score} is outside {low}–{high}")
    try:
        at = _parse_time(row["at"], tz)
    except ValueError:
        raise ValueError(f"at {row['at']!r} is not an ISO date or time") from None
    ext = (row.get("id") or "").strip()
    if not ext:
        digest = hashlib.sha256("|".join(f"{k}={row.get(k) or ''}" for k in sorted(row)).encode()).hexdigest()
        ext = digest[:24]
    return _Answer(f"csv:{ext}", kind, score, at, (row.get("conversation") or "").strip(),
                   (row.get("email") or "").strip().lower(), (row.get("comment") or "").strip())


def parse_file(path: Path, tz: ZoneInfo) -> tuple[list[tuple[int, _Answer]], list[tuple[int, str]]]:
    good, bad = [], []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None:
            return [], [(1, "the file is empty (a header row is needed)")]
        reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
        absent = [c for c in REQUIRED if c not in reader.fieldnames]
        if absent:
            return [], [(1, f"the header lacks the column(s) {', '.join(absent)}")]
        for row in reader:
            line = reader.line_num
            try:
                good.append((line, _parse_row({k: v for k, v in row.items() if isinstance(k, str)}, tz)))
            except ValueError as exc:
                bad.append((line, str(exc)))
    return good, bad


def _conversation_id(conn: Connection, ref: str) -> int | None:
    if not ref:
        return None
    if ref.startswith("#") and ref[1:].isdigit():
        row = conn.exec_driver_sql("SELECT id FROM conversation WHERE id = ?", (int(ref[1:]),)).first()
    else:
        row = conn.exec_driver_sql("SELECT id FROM conversation WHERE external_id = ? ORDER BY id LIMIT 1",
                                   (ref,)).first()
    return row[0] if row else None


def _customer_id(conn: Connection, email: str) -> int | None:
    if not email:
        return None
    row = conn.exec_driver_sql(
        "SELECT customer_id FROM customer_identity WHERE kind = 'email' AND value = ? LIMIT 1", (email,)).first()
    return row[0] if row else None


def import_answers(conn: Connection, path: Path, tz: ZoneInfo) -> SurveyImport:
    """Parse ``path`` and upsert its good rows (inside the caller's write transaction)."""
    result = SurveyImport()
    good, result.errors = parse_file(path, tz)
    for line, answer in good:
        conversation_id = _conversation_id(conn, answer.conversation_ref)
        if answer.conversation_ref and conversation_id is None:
            result.errors.append((line, f"no conversation {answer.conversation_ref!r} in the cache"))
            continue
        customer_id = _customer_id(conn, answer.email)
        if customer_id is None and conversation_id is not None:
            customer_id = conn.exec_driver_sql(
                "SELECT customer_id FROM conversation WHERE id = ?", (conversation_id,)).scalar()
        values = (answer.kind, answer.score, conversation_id, customer_id, answer.at, answer.comment)
        # account_id is NULL (a survey tool is not an account), and NULLs never collide in a UNIQUE
        # constraint: look the external id up ourselves so a re-import updates.
        existing = conn.exec_driver_sql(
            "SELECT id FROM survey_response WHERE account_id IS NULL AND external_id = ?",
            (answer.external_id,)).first()
        if existing:
            conn.exec_driver_sql(
                "UPDATE survey_response SET kind = ?, score = ?, conversation_id = ?, customer_id = ?, at = ?,"
                " comment = ? WHERE id = ?", (*values, existing[0]))
            result.updated += 1
        else:
            conn.exec_driver_sql(
                "INSERT INTO survey_response (account_id, external_id, kind, score, conversation_id, customer_id,"
                " at, comment) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)", (answer.external_id, *values))
            result.imported += 1
    result.errors.sort()
    return result

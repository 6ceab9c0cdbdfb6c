"""Survey answers imported from a CSV export: linked to conversations and customers, re-imports update,
bad rows reported by line while the good ones are kept."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from deskapp.kpi.surveys_csv import import_answers, parse_file
from tests.kpi.builder import CacheBuilder, local

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def cache(db):
    with db.write() as conn:
        b = CacheBuilder(conn)
        ana = b.customer("Ana")
        conn.exec_driver_sql("INSERT INTO customer_identity (customer_id, kind, value) VALUES (?, 'email', ?)",
                             (ana, "ana@example.com"))
        bo = b.customer("Bo")
        conversation = b.conversation(created=local("2026-05-04 09:00", "UTC"), customer=bo)
        external = conn.exec_driver_sql("SELECT external_id FROM conversation WHERE id = ?", (conversation,)).scalar()
    return db, {"ana": ana, "bo": bo, "conversation": conversation, "external": external}


def _import(db, tmp_path, text: str, name: str = "answers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with db.write() as conn:
        return import_answers(conn, path, PARIS)


def _responses(db):
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT external_id, kind, score, conversation_id, customer_id, at, comment"
                                    " FROM survey_response ORDER BY id").all()


def test_answers_are_linked_to_their_conversation_and_customer(cache, tmp_path):
    db, ids = cache
    result = _import(db, tmp_path, (
        "Kind,Score,At,ID,Conversation,Email,Comment,Extra\n"
        f"CSAT,5,2026-05-04T10:00:00Z,r1,{ids['external']},,quick!,ignored\n"
        f"nps,9,2026-05-04,r2,#{ids['conversation']},ANA@example.com,,\n"
        "ces,2,2026-05-04 12:30,r3,,nobody@example.com,,\n"))
    assert result.as_dict() == {"imported": 3, "updated": 0, "errors": []}
    rows = _responses(db)
    assert rows[0] == ("csv:r1", "csat", 5, ids["conversation"], ids["bo"],
                       int(datetime(2026, 5, 4, 10, tzinfo=UTC).timestamp()), "quick!")
    # the email's customer wins over the conversation's; a date without an offset is read in the given zone
    assert rows[1][1:6] == ("nps", 9, ids["conversation"], ids["ana"], local("2026-05-04 00:00", "Europe/Paris"))
    assert rows[2][3:6] == (None, None, local("2026-05-04 12:30", "Europe/Paris"))


def test_importing_again_updates_instead_of_duplicating(cache, tmp_path):
    db, _ids = cache
    header = "kind,score,at,id,comment\n"
    _import(db, tmp_path, header + "csat,2,2026-05-04,r1,slow\nnps,7,2026-05-04,,no id\n")
    again = _import(db, tmp_path, header + "csat,4,2026-05-05,r1,better now\nnps,7,2026-05-04,,no id\n")
    assert (again.imported, again.updated) == (0, 2)
    rows = _responses(db)
    assert len(rows) == 2
    assert rows[0][:3] == ("csv:r1", "csat", 4) and rows[0][6] == "better now"
    assert rows[1][0].startswith("csv:") and len(rows[1][0]) == len("csv:") + 24  # a row without an id: its hash


def test_bad_rows_are_reported_by_line_and_the_good_ones_kept(cache, tmp_path):
    db, _ids = cache
    result = _import(db, tmp_path, (
        "kind,score,at,conversation\n"
        "csat,4,2026-05-04,\n"
        "stars,4,2026-05-04,\n"
        "csat,6,2026-05-04,\n"
        "nps,-1,2026-05-04,\n"
        "ces,three,2026-05-04,\n"
        "csat,3,last tuesday,\n"
        ",3,2026-05-04,\n"
        "csat,3,2026-05-04,c999\n"
        "nps,10,2026-05-04,\n"))
    assert result.imported == 2
    assert [line for line, _why in result.errors] == [3, 4, 5, 6, 7, 8, 9]
    why = dict(result.errors)
    assert "'stars' is not csat, nps or ces" in why[3]
    assert "outside 1–5" in why[4] and "outside 0–10" in why[5]
    assert "'three' is not a whole number" in why[6]
    assert "not an ISO date" in why[7]
    assert why[8] == "missing kind"
    assert "no conversation 'c999'" in why[9]
    assert len(_responses(db)) == 2


@pytest.mark.parametrize(("text", "error"), [
    ("", "the file is empty"),
    ("kind,score,comment\ncsat,5,hi\n", "lacks the column(s) at"),
])
def test_an_empty_file_or_a_header_without_the_required_columns_imports_nothing(tmp_path, text, error):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    good, bad = parse_file(path, PARIS)
    assert good == [] and len(bad) == 1 and bad[0][0] == 1 and error in bad[0][1]


def test_a_byte_order_mark_and_ragged_rows_are_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffKind ,Score,At\ncsat,5,2026-05-04,extra,cells\ncsat,4\n".encode())
    good, bad = parse_file(path, PARIS)
    assert [a.score for _line, a in good] == [5]
    assert bad == [(3, "missing at")]

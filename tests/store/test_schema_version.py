"""store.schema_version: whether a cache is at this code's schema, read without Alembic, and the refusal of a
cache a newer deskapp wrote."""

from __future__ import annotations

import sqlite3

import pytest

from deskapp.store import schema_version
from deskapp.store.schema_version import BEHIND, CURRENT, MISSING, DatabaseTooNew, cache_state, known_revisions


def test_the_scripts_form_one_chain_and_a_migrated_cache_is_current(db, data_dir):
    scripts = known_revisions()
    assert scripts.head is not None and scripts.head in scripts.known
    assert cache_state(data_dir / "cache.sqlite3") == CURRENT


def test_a_missing_or_empty_file_is_missing(tmp_path):
    assert cache_state(tmp_path / "absent.sqlite3") == MISSING
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    assert cache_state(tmp_path / "empty.sqlite3") == MISSING


def test_a_database_without_alembics_table_or_at_an_older_revision_is_behind(tmp_path):
    plain = tmp_path / "plain.sqlite3"
    sqlite3.connect(plain).execute("CREATE TABLE x (y)").connection.commit()
    assert cache_state(plain) == BEHIND
    older = tmp_path / "older.sqlite3"
    conn = sqlite3.connect(older)
    scripts = known_revisions()
    first = min(r for r in scripts.known if r != scripts.head)  # a known revision that is not the head
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.execute("INSERT INTO alembic_version VALUES (?)", (first,))
    conn.commit()
    conn.close()
    assert cache_state(older) == BEHIND


def test_a_file_that_is_not_a_database_is_left_to_the_usual_opening(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database file at all" * 200)
    assert cache_state(junk) == BEHIND


def test_a_revision_this_code_does_not_know_is_refused_and_not_touched(tmp_path):
    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    conn.commit()
    conn.close()
    before = newer.read_bytes()
    with pytest.raises(DatabaseTooNew, match="9999_from_the_future"):
        cache_state(newer)
    assert newer.read_bytes() == before


def test_scripts_with_a_merge_or_two_heads_have_no_head(tmp_path):
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision = "b"\ndown_revision = "a"\n')
    assert known_revisions(tmp_path) == schema_version.KnownRevisions(frozenset({"a", "b"}), "b")
    (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')  # a second head
    assert known_revisions(tmp_path).head is None
    (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = ("a", "b")\n')  # a merge
    assert known_revisions(tmp_path).head is None

"""cli.opening: how a verb opens the data folder: writing verbs get the migrated workspace, reading verbs the
workspace without migrations, `search` the bare cache reader; none of them is left open."""

from __future__ import annotations

from deskapp.bootstrap import Workspace
from deskapp.cli.opening import CACHE_READER, READ, WORKSPACE, open_data
from deskapp.store.cache_reader import CacheReader


def test_each_kind_of_verb_gets_what_it_needs(tmp_path):
    folder = str(tmp_path / "data")
    written = open_data(WORKSPACE, folder, verbose=False)
    try:
        assert isinstance(written, Workspace) and written.paths.cache_db.exists()
    finally:
        written.close()
    read = open_data(READ, folder, verbose=False)
    try:
        assert isinstance(read, Workspace)
        with read.db.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM account").scalar() == 0
    finally:
        read.close()
    reader = open_data(CACHE_READER, folder, verbose=False)
    try:
        assert isinstance(reader, CacheReader)
        with reader.read_raw() as conn:
            assert conn.execute("SELECT count(*) FROM conversation").fetchone() == (0,)
    finally:
        reader.close()


def test_the_cache_reader_on_a_new_folder_makes_the_cache_first(tmp_path):
    reader = open_data(CACHE_READER, str(tmp_path / "fresh"), verbose=False)
    try:
        with reader.read_raw() as conn:
            assert conn.execute("SELECT count(*) FROM message").fetchone() == (0,)
    finally:
        reader.close()

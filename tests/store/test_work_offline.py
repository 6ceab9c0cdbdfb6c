"""store.work_offline: the cache's copy of the "work offline" switch, as the replayer, the sync and the UI read it."""

from __future__ import annotations

import pytest

from deskapp.store.work_offline import WORK_OFFLINE_KEY, is_work_offline


def put(db, value: str) -> None:
    with db.write() as conn:
        conn.exec_driver_sql("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", (WORK_OFFLINE_KEY, value))


def test_a_cache_without_the_setting_works_online(db):
    assert is_work_offline(db) is False


def test_one_means_offline_and_zero_online(db):
    put(db, "1")
    assert is_work_offline(db) is True
    put(db, "0")
    assert is_work_offline(db) is False


@pytest.mark.parametrize("odd", ["", "true", "yes", " 1", "2"])
def test_anything_but_one_is_online(db, odd):
    put(db, odd)  # written by hand or by a newer deskapp: never blocks sending by accident
    assert is_work_offline(db) is False

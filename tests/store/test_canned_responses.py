"""store.canned_responses: the canned responses synced from the servers, listed by name for the templates tab."""

from __future__ import annotations

from deskapp.store.canned_responses import synced_template, synced_templates
from tests.faults.seed import seed_cache


def add(db, account_id: int, external_id: str, name: str, body: str, **extra) -> int:
    with db.write() as conn:
        return conn.exec_driver_sql(
            "INSERT INTO template (account_id, external_id, name, body, shortcut, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 1700000000) RETURNING id",
            (account_id, external_id, name, body, extra.get("shortcut", ""))).scalar()


def test_listed_by_name_whatever_the_case_then_by_id(db):
    account = seed_cache(db, conversations=0)["account_id"]
    add(db, account, "3", "refund", "r")
    add(db, account, "1", "Apology", "a")
    add(db, account, "2", "Refund", "R")
    with db.read() as conn:
        rows = synced_templates(conn)
    assert [(r.name, r.external_id) for r in rows] == [("Apology", "1"), ("refund", "3"), ("Refund", "2")]
    assert rows[0].scope == "team" and rows[0].intents == "[]"  # the columns' defaults come back


def test_one_by_id_and_none_for_an_id_that_is_not_there(db):
    account = seed_cache(db, conversations=0)["account_id"]
    template_id = add(db, account, "9", "Where is my order", "It ships {{ order.eta }}", shortcut="wismo")
    with db.read() as conn:
        found = synced_template(conn, template_id)
        assert found is not None and found.shortcut == "wismo" and found.body == "It ships {{ order.eta }}"
        assert synced_template(conn, template_id + 1) is None
        assert synced_templates(conn) == [found]


def test_an_empty_cache_has_no_canned_responses(db):
    with db.read() as conn:
        assert synced_templates(conn) == []

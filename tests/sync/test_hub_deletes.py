"""A message another agent deletes on the hub is deleted in the cache at the next sync: it is marked deleted
and keeps no text (nor a full-text entry), so search no longer finds what was removed."""

from __future__ import annotations

from tests.faults.conftest import trim_world
from tests.faults.stack import Stack, api
from tests.sync.demo_fixture import fast_demo_server


def test_a_message_deleted_on_the_hub_is_deleted_in_the_cache(tmp_path):
    with fast_demo_server(seed=1) as (server, info):
        _delete_and_sync(tmp_path, server, info)


def _delete_and_sync(tmp_path, server, info) -> None:
    trim_world(server, 30)
    stack = Stack(tmp_path / "data", info)
    try:
        stack.sync()
        conv = next(c for c in server.state.world.conversations if len(server.state.messages(c)) >= 4)
        target = server.state.messages(conv)[-2]  # a recent message, not the newest
        with stack.db.read() as conn:
            local_id, before = conn.exec_driver_sql("SELECT id, text FROM message WHERE external_id = ?",
                                                    (str(target["id"]),)).one()
        assert before == target["content"] and before != "This message was deleted"

        assert api(info, "DELETE", f"/conversations/{conv.id}/messages/{target['id']}").status_code == 200
        stack.sync()
        with stack.db.read() as conn:
            text, deleted = conn.exec_driver_sql("SELECT text, deleted FROM message WHERE id = ?", (local_id,)).one()
            indexed = conn.exec_driver_sql("SELECT text FROM message_fts WHERE rowid = ?", (local_id,)).scalar()
            count = conn.exec_driver_sql("SELECT count(*) FROM message WHERE conversation_id ="
                                         " (SELECT conversation_id FROM message WHERE id = ?)", (local_id,)).scalar()
        assert text == indexed == "" and deleted == 1
        assert count == len(server.state.messages(conv))  # re-reading the latest page duplicated nothing
        assert api(info, "DELETE", f"/conversations/{conv.id}/messages/999999").status_code == 404
    finally:
        stack.close()

"""A macro run on several conversations while the hub drops its answers mid-body (the changes ARE applied):
once the hub is healthy again, each conversation got the macro's reply exactly once, and its labels and status."""

from __future__ import annotations

from deskapp.domain import OutboxKind
from deskapp.domain.automation import Action, Macro
from deskapp.services.macros import MacroRunner
from tests.faults.stack import Stack, server_markers

MACRO = Macro(3, "Refund sent", (Action("add_label", ("refund",)),
                                 Action("send_message", ("Your refund is on its way.",)),
                                 Action("resolve_conversation")))


def test_a_macro_replayed_through_lost_answers_lands_once(tmp_path, demo_server):
    server, info = demo_server
    stack = Stack(tmp_path / "data", info)
    try:
        convs = stack.mirror(server, 3)
        result = MacroRunner(stack.db, stack.actions).run(MACRO, convs)
        replies = [c for c in result.client_ids if stack.outbox.get(c).kind == OutboxKind.REPLY]
        assert len(replies) == 3
        server.set_faults(reset_mid_body=True)
        for _ in range(2):
            stack.replay()
        server.set_faults()
        stack.drain()
        markers = server_markers(server)
        assert {c: markers.get(c, 0) for c in replies} == {c: 1 for c in replies}
        for local in convs:
            with stack.db.read() as conn:
                ext = conn.exec_driver_sql("SELECT external_id FROM conversation WHERE id = ?", (local,)).scalar()
            conv = server.state.conversation(int(ext))
            assert conv.status == "resolved" and "refund" in conv.labels
            sent = [m for m in server.state.messages(conv) if m["content"] == "Your refund is on its way."]
            assert len(sent) == 1
    finally:
        stack.close()

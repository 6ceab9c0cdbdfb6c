"""A corrupt cache at start-up is moved aside and rebuilt from the server; the outbox survives and its
pending work is re-applied on top, then sent exactly once."""

from __future__ import annotations

import os

from deskapp import bootstrap
from deskapp.domain import AccountKind
from deskapp.services.accounts import add_account
from deskapp.services.actions import action_service, close_outbox
from deskapp.services.runtime import build_sync_engine
from deskapp.sync.replay import reapply_hook
from tests.faults.stack import FAST_HTTP, Stack, server_markers


def _engine(ws, stack_like, **kw):
    return build_sync_engine(ws, registry={AccountKind.CHATWOOT: stack_like.connector_factory},
                             replay_options={"hold_s": 0}, **kw)


class _Factory:
    http_options = FAST_HTTP
    connector_factory = Stack.connector_factory


def test_corrupt_cache_is_rebuilt_and_outbox_kept(tmp_path, demo_server_module):
    server, info = demo_server_module
    folder = tmp_path / "data"
    ws = bootstrap.open_workspace(folder)
    account_id = add_account(ws, AccountKind.CHATWOOT, "Demo hub", info["url"], info["chatwoot_token"],
                             {"account_id": info["chatwoot_account_id"]})
    factory = _Factory()
    assert _engine(ws, factory).sync_account_once(account_id).state == "online"
    with ws.db.read() as conn:
        conv_id, ext = conn.exec_driver_sql(
            "SELECT id, external_id FROM conversation WHERE status='open' ORDER BY id LIMIT 1").one()
    server.set_faults(outage=True)
    actions = action_service(ws)
    reply = actions.reply(conv_id, "written just before the disk went bad")
    actions.resolve(conv_id)
    close_outbox(ws)
    ws.close()

    path = folder / "cache.sqlite3"
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, len(data) - 4096, 4096 * 3):
        data[offset + 16: offset + 600] = os.urandom(584)
    path.write_bytes(bytes(data))

    ws = bootstrap.open_workspace(folder)
    try:
        assert any(p.name.startswith("cache.sqlite3.corrupt-") for p in folder.iterdir())
        with ws.db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"
            assert conn.exec_driver_sql("SELECT id, kind FROM account").all() == [(account_id, "chatwoot")]
            assert conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar() == 0
        actions = action_service(ws)
        assert actions.outbox.open_items()[0].client_id == reply

        # Rebuilt from the server (pull only): the pending work shows on top of the server's state.
        server.set_faults()
        puller = build_sync_engine(ws, replay=False, apply_hooks=[reapply_hook(actions.outbox)],
                                   registry={AccountKind.CHATWOOT: factory.connector_factory})
        assert puller.sync_account_once(account_id).state == "online"
        with ws.db.read() as conn:
            assert conn.exec_driver_sql("SELECT status FROM conversation WHERE external_id=?", (ext,)).scalar() \
                == "resolved"
            assert conn.exec_driver_sql("SELECT delivery FROM message WHERE client_id=?", (reply,)).scalar() \
                == "queued"
        assert server.state.conversation(int(ext)).status == "open"

        # The full engine sends it, exactly once, and the thread shows it sent.
        _engine(ws, factory).sync_account_once(account_id)
        _engine(ws, factory).sync_account_once(account_id)
        assert server_markers(server).get(reply) == 1
        assert server.state.conversation(int(ext)).status == "resolved"
        with ws.db.read() as conn:
            assert conn.exec_driver_sql("SELECT delivery FROM message WHERE client_id=?", (reply,)).all() \
                == [("sent",)]
    finally:
        close_outbox(ws)
        ws.close()

"""A corrupt, truncated or deleted cache at start-up is moved aside and rebuilt from the server: the outbox
survives and its pending work is re-applied on top, then sent exactly once; the profile gives back every
account, template, saved view, draft, triage correction and setting; the agent is told what happened."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from deskapp import bootstrap, cli
from deskapp.bootstrap import build_sync_engine
from deskapp.domain import AccountKind
from deskapp.services import drafts, inbox, templates, triage
from deskapp.services import profile as profile_service
from deskapp.services.accounts import add_account, remove_account
from deskapp.services.actions import action_service, close_outbox
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


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 3)


def _deleted(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


DAMAGE = {"garbage": _garbage, "truncated": _truncated, "deleted": _deleted}
SLA = '{"email": 7200}'


def _agent_work(ws, info) -> dict:
    """Accounts (one removed again), a first sync, then everything only the agent writes."""
    hub = add_account(ws, AccountKind.CHATWOOT, "Demo hub", info["url"], info["chatwoot_token"],
                      {"account_id": info["chatwoot_account_id"]})
    shop = add_account(ws, AccountKind.SHOPIFY, "Demo shop", info.get("shop_url") or info["url"],
                       info["shopify_token"])
    gone = add_account(ws, AccountKind.CHATWOOT, "Old hub", "https://old-hub.example", "old-token", {"account_id": 9})
    remove_account(ws, gone)
    assert _engine(ws, _Factory()).sync_account_once(hub).state == "online"
    with ws.db.read() as conn:
        (a, a_ext, a_intent), (b, b_ext, _) = conn.exec_driver_sql(
            "SELECT id, external_id, intent FROM conversation WHERE intent IS NOT NULL ORDER BY id LIMIT 2").all()
    drafts.save(ws.db, ws.profile, a, "Half-written answer 😀")
    drafts.save(ws.db, ws.profile, b, "note to self", is_note=True)
    templates.save_template(ws.profile, name="My sign-off", body="Cheers, {{ agent.name }}", scope="personal")
    inbox.save_view(ws.profile, "VIP open", inbox.ViewFilter(statuses=("open",), label="vip"))
    profile_service.put_settings(ws.db, ws.profile, {"kpi.sla_targets": SLA})
    corrected = "invoice" if a_intent != "invoice" else "refund"
    triage.correct_label(ws.db, ws.profile, a, "intent", corrected)
    triage.retrain(ws.db, ws.profile)
    return {"hub": hub, "shop": shop, "gone": gone, "a": a_ext, "b": b_ext, "intent": corrected}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cache_comes_back_with_everything_the_agent_wrote(tmp_path, demo_server_module, capsys, damage):
    server, info = demo_server_module
    server.set_faults()
    folder = tmp_path / "data"
    ws = bootstrap.open_workspace(folder)
    try:
        work = _agent_work(ws, info)
        assert ws.secrets.get(work["gone"]) is None, "the removed account's token left the keyring with it"
        identity = ws.profile.identity  # names the folder's keyring entries; the damaged cache has no say in it
    finally:
        close_outbox(ws)
        ws.close()

    DAMAGE[damage](folder / "cache.sqlite3")

    assert cli.main(["--data-dir", str(folder), "account", "list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert sorted(a["id"] for a in json.loads(out)) == [work["hub"], work["shop"]]
    assert "rebuilt from the servers" in err and "Nothing you wrote was lost" in err
    assert ("missing" if damage == "deleted" else "damaged") in err

    # What `make demo` / the GUI does by itself at start; here the command line's one pass.
    assert cli.main(["--data-dir", str(folder), "sync", "--once", "--account", str(work["hub"])]) == 0, \
        capsys.readouterr()
    capsys.readouterr()

    ws = bootstrap.open_workspace(folder)
    try:
        assert ws.notice is None  # rebuilt once; this start found a healthy cache
        [own] = templates.list_templates(ws.db, ws.profile, include_synced=False)
        assert (own.name, own.scope) == ("My sign-off", "personal")
        assert [v.title for v in inbox.saved_views(ws.profile)] == ["VIP open"]
        assert profile_service.setting(ws.profile, "kpi.sla_targets") == SLA
        with ws.db.read() as conn:
            assert conn.exec_driver_sql("SELECT value FROM setting WHERE key = 'kpi.sla_targets'").scalar() == SLA
            ids = dict(conn.exec_driver_sql("SELECT external_id, id FROM conversation WHERE account_id = ?",
                                            (work["hub"],)).all())
            label = conn.exec_driver_sql("SELECT intent, triage_locked FROM conversation WHERE id = ?",
                                         (ids[work["a"]],)).one()
            model = conn.exec_driver_sql("SELECT corrections FROM triage_model ORDER BY id DESC").first()
        assert len(ids) == 40, "rebuilt from the server"
        # Drafts are back on their conversations once those synced in again.
        assert drafts.load(ws.db, ws.profile, ids[work["a"]]).body == "Half-written answer 😀"
        assert drafts.load(ws.db, ws.profile, ids[work["b"]]).is_note
        assert drafts.with_drafts(ws.db, ws.profile) == {ids[work["a"]], ids[work["b"]]}
        # The agent's label is back and locked; the model was retrained from the kept correction.
        assert tuple(label) == (work["intent"], 1)
        assert model is not None and model[0] == 1
        assert ws.profile.identity == identity and ws.secrets.profile_id == identity
        assert ws.secrets.get(work["gone"]) is None
        assert ws.secrets.get(work["hub"]) == info["chatwoot_token"]
        assert ws.secrets.get(work["shop"]) == info["shopify_token"]
    finally:
        close_outbox(ws)
        ws.close()

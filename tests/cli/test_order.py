"""`deskapp order` end to end: the real demo shop and hub, accounts added and synced through the CLI, a refund
planned, queued during an outage, sent by the next sync, recorded on the thread, and seen in the order."""

from __future__ import annotations

import io
import json
import sys

import pytest

from deskapp import cli
from deskapp.demo.server import DemoServer
from tests.demo.conftest import PINNED_NOW
from tests.faults.conftest import trim_world
from tests.faults.order_stack import shop_refund_markers


@pytest.fixture(scope="module")
def shop():
    server = DemoServer(seed=3, scale="small", live=False, now=PINNED_NOW)
    info = server.start()
    trim_world(server, 30)
    try:
        yield server, info
    finally:
        server.stop()


def run(capsys, monkeypatch, data_dir, *args, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _synced(capsys, monkeypatch, data_dir, info) -> None:
    assert run(capsys, monkeypatch, data_dir, "account", "add", "chatwoot", "--url", info["url"], "--account-id",
               str(info["chatwoot_account_id"]), stdin=info["chatwoot_token"] + "\n")[0] == 0
    assert run(capsys, monkeypatch, data_dir, "account", "add", "shopify", "--shop", info["shop_url"],
               stdin=info["shopify_token"] + "\n")[0] == 0
    code, _out, err = run(capsys, monkeypatch, data_dir, "sync", "--once")
    assert code == 0, err


def test_order_refund_through_an_outage_lands_once_with_its_note(capsys, monkeypatch, data_dir, shop):
    server, info = shop
    _synced(capsys, monkeypatch, data_dir, info)
    order = next(o for o in server.state.world.orders if o.financial == "PAID" and o.fulfilled_at)
    code, out, err = run(capsys, monkeypatch, data_dir, "order", "show", order.name, "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["financial_status"] == "paid" and shown["actions"] == []
    first = shown["lines"][0]

    # without --yes: only what would happen
    code, out, err = run(capsys, monkeypatch, data_dir, "order", "refund", order.name, "--line", "1:1",
                         "--reason", "damaged")
    assert code == 0, err
    assert out.splitlines()[0] == (f"Refund {first['unit_price']:.2f} USD on {order.name} for 1 × {first['title']},"
                                   " reason damaged")
    assert out.strip().endswith("not queued: add --yes to do it")
    # bad input: a clear error, nothing queued
    code, _out, err = run(capsys, monkeypatch, data_dir, "order", "refund", order.name, "--line", "1:99")
    assert code != 0 and f"refund 1 to {first['quantity']}" in err
    code, _out, err = run(capsys, monkeypatch, data_dir, "order", "show", "#999999")
    assert code != 0 and "no order" in err

    conversation = json.loads(run(capsys, monkeypatch, data_dir, "conversations", "--json")[1])[0]["id"]
    server.set_faults(outage=True, scope="shopify")
    code, out, err = run(capsys, monkeypatch, data_dir, "order", "refund", order.name, "--line", "1:1",
                         "--reason", "damaged", "--conversation", str(conversation), "--yes", "--json")
    assert code == 0, err
    client_id = json.loads(out)["queued"]
    run(capsys, monkeypatch, data_dir, "sync", "--once")
    assert shop_refund_markers(server) == {}
    assert json.loads(run(capsys, monkeypatch, data_dir, "order", "show", order.name, "--json")[1])["actions"][0][
        "state"] == "queued"

    server.set_faults(outage=False)
    for _ in range(2):  # the shop takes the refund; the hub gets the note and the shop's order comes back
        code, _out, err = run(capsys, monkeypatch, data_dir, "sync", "--once")
    assert shop_refund_markers(server) == {client_id: 1}
    shown = json.loads(run(capsys, monkeypatch, data_dir, "order", "show", order.name, "--json")[1])
    assert shown["financial_status"] == "partially_refunded"
    assert shown["actions"][0]["state"] == "done"
    assert shown["actions"][0]["summary"].startswith(f"Refunded {first['unit_price']:.2f} USD")
    notes = [m for m in server.state.received_messages if m.get("private")
             and m.get("content", "").startswith("Refunded")]
    assert len(notes) == 1 and f"1 × {first['title']}, reason damaged" in notes[0]["content"]

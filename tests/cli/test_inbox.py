"""cli.inbox: `deskapp stats` and `deskapp conversations` read what the cache holds, as text or one JSON
document per line; an empty cache says zero, a status filter and a limit apply, a bad choice is refused."""

from __future__ import annotations

import json

import pytest

from deskapp import cli
from tests.ui.fill import fill


def run(capsys, data_dir, *args) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(db):
    return fill(db, conversations=12, messages_per=3)


def test_stats_count_the_cache(capsys, data_dir, filled):
    code, out, _ = run(capsys, data_dir, "stats", "--json")
    stats = json.loads(out)
    assert code == 0 and len(out.strip().splitlines()) == 1
    assert (stats["conversations"], stats["messages"], stats["customers"]) == (12, 36, filled["customers"])
    assert stats["orders"] == 2 * filled["customers"]
    assert [(a["id"], a["kind"], a["state"]) for a in stats["accounts"]] == [(1, "chatwoot", "online"),
                                                                                (2, "shopify", "online")]


def test_stats_as_text(capsys, data_dir, filled):
    code, out, _ = run(capsys, data_dir, "stats")
    lines = out.splitlines()
    assert code == 0 and lines[0] == " conversations: 12" and lines[1] == "      messages: 36"
    assert lines[4].startswith("  account 1 chatwoot   online       last sync ")


def test_stats_of_an_empty_cache(capsys, data_dir, db):
    code, out, _ = run(capsys, data_dir, "stats", "--json")
    stats = json.loads(out)
    assert code == 0 and stats["conversations"] == stats["messages"] == 0 and stats["accounts"] == []


def test_conversations_newest_first_with_a_limit(capsys, data_dir, filled):
    code, out, _ = run(capsys, data_dir, "conversations", "--json", "--limit", "5")
    [items] = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [c["id"] for c in items] == [1, 2, 3, 4, 5]  # fill makes conversation 1 the newest
    assert items[0]["subject"] == "Where is my order 1?" and items[0]["customer"]


def test_conversations_by_status(capsys, data_dir, filled):
    _, out, _ = run(capsys, data_dir, "conversations", "--json", "--status", "resolved")
    items = json.loads(out)
    assert items and {c["status"] for c in items} == {"resolved"}
    _, out, _ = run(capsys, data_dir, "conversations", "--status", "pending")
    assert out and all(" pending " in line for line in out.splitlines())


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_a_limit_below_one_still_lists_one(capsys, data_dir, filled, limit):
    _, out, _ = run(capsys, data_dir, "conversations", "--json", "--limit", limit)
    assert len(json.loads(out)) == 1


@pytest.mark.parametrize("args", [["conversations", "--status", "closed"], ["conversations", "--limit", "many"],
                                  ["stats", "--csv"]])
def test_a_bad_argument_is_refused(capsys, data_dir, db, args):
    with pytest.raises(SystemExit) as refused:
        cli.main(["--data-dir", str(data_dir), *args])
    assert refused.value.code == 2 and "usage:" in capsys.readouterr().err

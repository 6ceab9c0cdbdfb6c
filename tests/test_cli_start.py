"""The command line starts at once: `--version`/`--help` load no database, network or Qt library; read-only
verbs open a current cache without Alembic (search without SQLAlchemy either); a newer cache is refused and
left as it is; an older one is migrated. Each run is a real `python` process, so sys.modules is its own."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deskapp.bootstrap import open_workspace
from deskapp.cli.entry import VERB_MODULES, build_parser, verb_of
from deskapp.domain import Channel, Contact, Conversation, Direction, Identity, IdentityKind, Message, Status
from deskapp.services import accounts
from deskapp.services.search import search
from deskapp.store import migrate, schema_version
from deskapp.store.cache_reader import CacheReader
from deskapp.store.engine import Database
from deskapp.store.ingest import apply_batch

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("sqlalchemy", "alembic", "PySide6", "keyring", "requests", "jinja2", "imapclient")
OTHER_VERBS = tuple(f"deskapp.cli.{m}" for m in set(VERB_MODULES.values()) - {"search", "demo"})
T0 = datetime(2026, 3, 1, tzinfo=UTC)

# Runs deskapp's command line like the console script does, then writes which heavy libraries it loaded.
_PROBE = """
import json, os, sys
from deskapp.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = [m for m in json.loads(os.environ["PROBE_HEAVY"]) if m in sys.modules]
with open(os.environ["PROBE_OUT"], "w") as out:
    json.dump(heavy, out)
sys.exit(code)
"""


def run_cli(tmp_path: Path, *args: str, watch: tuple[str, ...] = HEAVY) -> tuple[int, str, str, list[str]]:
    """(exit code, stdout, stderr, which of the ``watch`` modules it loaded) of `deskapp ARGS` in a fresh process."""
    report = tmp_path / "loaded.json"
    env = {**os.environ, "PROBE_OUT": str(report), "PROBE_HEAVY": json.dumps(watch)}
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr, json.loads(report.read_text())


def _fill(data_dir: Path) -> None:
    """A current cache (opened the usual way) holding one email conversation about a damaged parcel."""
    ws = open_workspace(data_dir)
    try:
        account = accounts.add_account(ws, "chatwoot", "cw", "http://127.0.0.1:9", "a-token", {"account_id": 1})
        with ws.db.write() as conn:
            apply_batch(conn, account, [
                Contact("1", "Greta Lindqvist", (Identity(IdentityKind.EMAIL, "greta@example.se"),)),
                Conversation("10", Channel.EMAIL, Status.OPEN, "1", T0, T0, subject="Damaged parcel"),
                Message("a", "10", Direction.IN, T0, text="My parcel arrived damaged, the box was crushed"),
            ], stream="s", cursor=None)
    finally:
        ws.close()


def _older_cache(path: Path, revision: str) -> None:
    """A cache as an older deskapp left it: the migrations up to ``revision`` only."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(schema_version.migrations_dir()))
    db = Database(path)
    try:
        with db.write() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        db.close()


def _revision(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_load_no_heavy_library(tmp_path, flag):
    code, out, _err, heavy = run_cli(tmp_path, flag)
    assert code == 0
    assert out.startswith("deskapp 0.") if flag == "--version" else "search" in out and "kpi" in out
    assert heavy == []


def test_a_verbs_help_loads_no_heavy_library(tmp_path):
    code, out, _err, heavy = run_cli(tmp_path, "account", "add", "imap", "--help")
    assert code == 0 and "--smtp-host" in out
    assert heavy == []


def test_read_only_verbs_on_a_current_cache_do_not_import_alembic(tmp_path, data_dir):
    _fill(data_dir)
    for verb in (["kpi", "--json"], ["account", "list", "--json"], ["stats", "--json"], ["conversations", "--json"]):
        code, out, err, heavy = run_cli(tmp_path, "--data-dir", str(data_dir), *verb)
        assert code == 0, err
        json.loads(out)
        assert "alembic" not in heavy, verb
    code, out, err, _heavy = run_cli(tmp_path, "--data-dir", str(data_dir), "stats", "--json")
    assert json.loads(out)["conversations"] == 1


def test_search_on_a_current_cache_loads_neither_alembic_nor_sqlalchemy(tmp_path, data_dir):
    _fill(data_dir)
    before = _digest(data_dir / "cache.sqlite3")
    code, out, err, heavy = run_cli(tmp_path, "--data-dir", str(data_dir), "search", "damaged parc", "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert [(h["kind"], h["subject"], h["customer"]) for h in hits] == [("message", "Damaged parcel",
                                                                         "Greta Lindqvist")]
    assert "[damaged]" in hits[0]["snippet"]
    assert heavy == []
    assert _digest(data_dir / "cache.sqlite3") == before  # read-only: the file is not written
    code, _out, err, others = run_cli(tmp_path, "--data-dir", str(data_dir), "search", "parcel", watch=OTHER_VERBS)
    assert code == 0, err
    assert others == []  # only the search verb's own module was loaded


@pytest.mark.parametrize(("argv", "verb"), [
    (["--data-dir", "search", "stats"], "stats"),  # a folder named like a verb is the option's value
    (["--data", "kpi", "-v", "search", "x"], "search"),  # an abbreviated option, as argparse allows
    (["account", "list", "--json"], "account"),
    (["--help"], None), ([], None), (["--demo", "--smoke"], None),
    (["serach", "x"], None), (["--tab", "nope", "search", "x"], None),  # wrong lines: the whole parser answers
])
def test_the_verb_is_named_before_its_parser_is_built(argv, verb):
    assert verb_of(argv) == verb


@pytest.mark.parametrize("argv", [
    ["--data-dir", "d", "search", "parcel", "--limit", "5", "--json"], ["kpi", "--from", "2026-03-01", "--tz", "UTC"],
    ["account", "add", "imap", "--host", "h", "--user", "u@x", "--security", "plain"], ["account", "list"],
    ["act", "12", "assign", "me", "--team", "Billing"], ["outbox", "--state", "failed"], ["triage", "retrain"],
    ["-v", "stats", "--json"], ["import", "surveys", "f.csv"], ["demo-server", "--seed", "3"],
    ["sync", "--once", "--account", "2"], ["conversations", "--status", "open"], ["--demo", "--as", "supervisor"],
])
def test_the_verbs_own_parser_reads_a_line_as_the_whole_parser_does(argv):
    assert vars(build_parser(verb_of(argv)).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_search_through_the_reader_finds_what_the_app_finds(data_dir):
    _fill(data_dir)
    ws = open_workspace(data_dir)
    reader = CacheReader(data_dir / "cache.sqlite3")
    try:
        for query in ("parcel", "greta", "box crushed", '"NEAR(', "nothing-like-this"):
            assert search(reader, query) == search(ws.db, query), query
    finally:
        reader.close()
        ws.close()


@pytest.mark.parametrize("verb", [["search", "parcel"], ["kpi"], ["account", "list"], ["outbox"]])
def test_a_cache_from_a_newer_deskapp_is_refused_and_left_untouched(tmp_path, data_dir, verb):
    _fill(data_dir)
    cache = data_dir / "cache.sqlite3"
    conn = sqlite3.connect(cache)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    before = _digest(cache)
    code, out, err, heavy = run_cli(tmp_path, "--data-dir", str(data_dir), *verb)
    assert code == 2 and out == ""
    assert "written by a newer deskapp (schema 9999_from_the_future)" in err
    assert "Update deskapp" in err and "Traceback" not in err
    assert _digest(cache) == before
    assert _revision(cache) == "9999_from_the_future"
    assert not list(data_dir.glob("cache.sqlite3.*.bak"))
    if verb[0] != "outbox":  # the read-only checks decide before any migration machinery loads
        assert "alembic" not in heavy


@pytest.mark.parametrize("verb", [["search", "parcel", "--json"], ["stats", "--json"]])
def test_an_older_cache_is_migrated_by_a_read_only_verb(tmp_path, data_dir, verb):
    cache = data_dir / "cache.sqlite3"
    known = schema_version.known_revisions()
    _older_cache(cache, "0006")
    code, out, err, heavy = run_cli(tmp_path, "--data-dir", str(data_dir), *verb)
    assert code == 0, err
    assert json.loads(out) == [] if verb[0] == "search" else json.loads(out)["conversations"] == 0
    assert "alembic" in heavy  # it had work to do
    assert _revision(cache) == known.head
    backups = list(data_dir.glob("cache.sqlite3.before-*.bak"))
    assert len(backups) == 1 and _revision(backups[0]) == "0006"


def test_a_missing_cache_is_created_by_search(tmp_path, data_dir):
    code, _out, err, _heavy = run_cli(tmp_path, "--data-dir", str(data_dir), "search", "parcel")
    assert code == 0 and "no matches" in err
    assert _revision(data_dir / "cache.sqlite3") == schema_version.known_revisions().head


def test_a_damaged_cache_is_not_read_as_current(data_dir):
    (data_dir / "cache.sqlite3").write_bytes(b"this is not a database" * 100)
    assert schema_version.cache_state(data_dir / "cache.sqlite3") == schema_version.BEHIND


def test_the_scripts_revisions_read_without_alembic_are_alembics():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(schema_version.migrations_dir()))
    known = schema_version.known_revisions()
    assert known.head == migrate.head_revision()
    assert known.known == {r.revision for r in script.walk_revisions()}


def test_a_branching_history_is_never_taken_for_current(tmp_path):
    folder = tmp_path / "versions"
    folder.mkdir()
    (folder / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (folder / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n')
    assert schema_version.known_revisions(folder).head == "b"
    (folder / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')  # a second head
    assert schema_version.known_revisions(folder).head is None
    (folder / "d.py").write_text('revision = "d"\ndown_revision = ("b", "c")\n')  # a merge this does not read
    assert schema_version.known_revisions(folder).head is None


def test_python_dash_m_deskapp_starts_the_window(tmp_path, data_dir):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "deskapp", "--data-dir", str(data_dir), "--smoke"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

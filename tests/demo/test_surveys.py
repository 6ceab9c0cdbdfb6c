"""NPS and CES in the demo come the way a team gets them: a survey tool's CSV export (Chatwoot only asks CSAT).
The hub makes a sample export of its own world; the demo workspace imports it once the hub's conversations are
in the cache, so every answer finds its conversation and agent."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
import requests

from deskapp.demo.state import DemoState
from deskapp.demo.surveys import COLUMNS, SOURCE, survey_answers, survey_export
from deskapp.services import demo_workspace
from tests.demo.conftest import PINNED_NOW, DemoClient


def test_the_export_is_a_survey_tools_csv_about_resolved_conversations(client: DemoClient, demo) -> None:
    state = demo.state
    served = requests.get(client.url + "/demo/survey-export.csv", timeout=30)
    assert served.status_code == 200 and served.headers["Content-Type"].startswith("text/csv")
    assert served.text == survey_export(state)
    rows = list(csv.DictReader(io.StringIO(served.text)))
    assert tuple(csv.reader(io.StringIO(served.text)).__next__()) == COLUMNS
    assert rows and {r["kind"] for r in rows} == {"nps", "ces"} and {r["source"] for r in rows} == {SOURCE}
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        conv = state.conversation(int(row["conversation"]))
        person = state.world.people[conv.person_idx]
        at = datetime.fromisoformat(row["at"].replace("Z", "+00:00")).timestamp()
        resolved = max(m["created_at"] for m in state.messages(conv)
                       if m["content"].startswith("Conversation was marked resolved by"))
        assert conv.status == "resolved" and resolved < at <= PINNED_NOW
        assert row["email"] == person.email
        low, high = (0, 10) if row["kind"] == "nps" else (1, 7)
        assert low <= int(row["score"]) <= high
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    assert survey_answers(DemoState(seed=7, scale="small", now=PINNED_NOW)) == rows  # the same hub, the same rows


@pytest.fixture
def ws(data_dir, db, profile):
    from deskapp.bootstrap import Workspace
    from deskapp.paths import resolve_paths
    from deskapp.services.profile_secrets import secret_store

    return Workspace(paths=resolve_paths(data_dir).ensure(), db=db, secrets=secret_store(profile), profile=profile)


def test_the_demo_imports_the_export_once_its_conversations_are_synced(ws) -> None:
    from deskapp.bootstrap import build_sync_engine
    from deskapp.services.reports import ReportService
    from tests.faults.conftest import trim_world

    demo = demo_workspace.start_demo(ws, live=False, now=PINNED_NOW)
    try:
        trim_world(demo.server, 400)
        hooks = demo_workspace.survey_import_hooks(demo, ws.paths.data_dir)
        export = ws.paths.data_dir / demo_workspace.SURVEY_EXPORT
        rows = list(csv.DictReader(io.StringIO(export.read_text(encoding="utf-8"))))
        assert rows and all(int(r["conversation"]) <= 400 for r in rows)
        engine = build_sync_engine(ws, replay=False, apply_hooks=hooks)
        for _ in range(2):  # the second pass re-imports nothing new
            summary = engine.sync_account_once(demo.chatwoot_account_id)
            assert summary.state == "online", summary.errors
            with ws.db.read() as conn:
                linked = conn.exec_driver_sql(
                    "SELECT s.kind, s.score, c.external_id FROM survey_response s JOIN conversation c"
                    " ON c.id = s.conversation_id WHERE s.kind IN ('nps', 'ces') ORDER BY s.at, s.external_id"
                ).fetchall()
            assert linked == [(r["kind"], int(r["score"]), r["conversation"]) for r in rows]
        reports = ReportService(ws.db)
        mine = reports.kpi_report(start="2025-01-01", end="2025-07-01", tz="UTC", now=PINNED_NOW,
                                  agent_email="alex@shop.example.com")
        team = reports.kpi_report(start="2025-01-01", end="2025-07-01", tz="UTC", now=PINNED_NOW)
        assert mine["nps"] is not None and mine["ces"] is not None  # My performance shows them too
        nps = [int(r["score"]) for r in rows if r["kind"] == "nps"]
        assert team["nps"] == (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps)
    finally:
        demo.stop()


def test_an_export_that_cannot_be_written_leaves_the_demo_without_nps(ws, tmp_path, caplog) -> None:
    demo = demo_workspace.start_demo(ws, live=False, now=PINNED_NOW)
    try:
        assert demo_workspace.survey_import_hooks(demo, tmp_path / "no-such-folder") == ()
        assert "demo survey export could not be written" in caplog.text
    finally:
        demo.stop()

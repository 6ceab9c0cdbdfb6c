"""ReportService and the `kpi` / `import surveys` verbs, over a real migrated data folder."""

import json

import pytest

from deskapp import cli
from deskapp.services.reports import ReportError, ReportService
from deskapp.store import migrate
from deskapp.store.engine import Database
from tests.kpi.builder import CacheBuilder, local


@pytest.fixture
def workspace_db(data_dir):
    db = Database(data_dir / "cache.sqlite3")
    migrate.upgrade(db)
    with db.write() as conn:
        b = CacheBuilder(conn)
        me = b.agent("Mia", is_me=True, role="administrator", email="mia@shop.test")
        other = b.agent("Oz", email="oz@shop.test")
        team = b.team("Returns")
        c1 = b.conversation(created=local("2026-03-02 09:00", "UTC"), assignee=me, team=team, status="resolved",
                            resolved=local("2026-03-02 10:00", "UTC"))
        b.message(c1, "in", local("2026-03-02 09:00", "UTC"))
        b.message(c1, "out", local("2026-03-02 09:05", "UTC"), author="Mia")
        c2 = b.conversation(created=local("2026-03-03 09:00", "UTC"), assignee=other, channel="web_chat")
        b.message(c2, "in", local("2026-03-03 09:00", "UTC"))
        b.message(c2, "out", local("2026-03-03 09:01", "UTC"), author="Oz")
        conn.exec_driver_sql("UPDATE conversation SET external_id = 'cw-77' WHERE id = ?", (c2,))
        from deskapp.kpi.rollup import rebuild

        rebuild(conn)
    yield db
    db.close()


def test_kpi_json_has_the_agreed_shape(workspace_db):
    report = ReportService(workspace_db).kpi_report(start="2026-03-01", end="2026-04-01", tz="UTC")
    assert set(report["frt"]) >= {"median_s", "p90_s", "unanswered"}
    assert set(report["resolution"]) >= {"median_s", "p90_s"}
    for key in ("fcr", "csat", "nps", "ces", "contact_rate", "volume", "agents"):
        assert key in report
    assert set(report["sla"]) >= {"breach_rate", "at_risk"}
    assert report["frt"]["median_s"] == 180.0  # 300 s and 60 s
    assert report["fcr"] == 1.0 and report["csat"] is None
    assert report["sla"]["breach_rate"] == 0.0
    assert {a["email"]: a["assigned"] for a in report["agents"]} == {"mia@shop.test": 1, "oz@shop.test": 1}
    json.dumps(report)  # plain JSON all the way down


def test_agent_and_team_filters_and_unknown_names(workspace_db):
    service = ReportService(workspace_db)
    mine = service.kpi_report(start="2026-03-01", end="2026-04-01", tz="UTC", agent_email="MIA@shop.test")
    assert mine["frt"]["median_s"] == 300.0 and [a["name"] for a in mine["agents"]] == ["Mia"]
    team = service.kpi_report(start="2026-03-01", end="2026-04-01", tz="UTC", team_name="returns")
    assert team["volume"]["total"] == 1
    with pytest.raises(ReportError, match="no agent"):
        service.kpi_report(agent_email="nobody@x")
    with pytest.raises(ReportError, match="no team"):
        service.kpi_report(team_name="Nope")
    with pytest.raises(ReportError, match="time zone"):
        service.kpi_report(tz="Mars/Olympus")
    with pytest.raises(ReportError):
        service.kpi_report(start="2026-03-05", end="2026-03-01", tz="UTC")


def test_supervisor_from_role_or_setting(workspace_db):
    service = ReportService(workspace_db)
    assert service.signed_in().supervisor
    with workspace_db.write() as conn:
        conn.exec_driver_sql("UPDATE agent SET role = 'agent'")
    assert not service.signed_in().supervisor
    with workspace_db.write() as conn:
        conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('kpi.supervisor', '1')")
    assert service.signed_in().supervisor
    assert [a.name for a in service.me()] == ["Mia"]


def test_cli_kpi_json(workspace_db, data_dir, capsys):
    workspace_db.close()
    code = cli.main(["--data-dir", str(data_dir), "kpi", "--from", "2026-03-01", "--to", "2026-04-01",
                     "--tz", "UTC", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["frt"]["median_s"] == 180.0 and out["period"]["tz"] == "UTC"
    code = cli.main(["--data-dir", str(data_dir), "kpi", "--from", "2026-03-01", "--to", "2026-04-01",
                     "--tz", "UTC"])
    text = capsys.readouterr().out
    assert code == 0 and "FRT" in text and "Mia" in text
    assert cli.main(["--data-dir", str(data_dir), "kpi", "--agent", "ghost@x", "--json"]) == 2
    assert "no agent" in capsys.readouterr().err
    assert cli.main(["--data-dir", str(data_dir), "kpi", "--from", "1 March", "--json"]) == 2
    assert "--from: '1 March' is not a date; write it as YYYY-MM-DD" in capsys.readouterr().err


def test_cli_import_surveys_keeps_good_rows_and_reports_bad_ones(workspace_db, data_dir, tmp_path, capsys):
    workspace_db.close()
    csv_file = tmp_path / "answers.csv"
    csv_file.write_text(
        "Kind,Score,At,ID,Conversation,Email,Comment\n"
        "nps,10,2026-03-04T10:00:00Z,r1,,,love it\n"
        "nps,3,2026-03-04,r2,,,\n"
        "ces,6,2026-03-04 12:00,r3,cw-77,,\n"
        "csat,6,2026-03-04,r4,,,\n"         # out of range
        "nps,ten,2026-03-04,r5,,,\n"        # not a number
        "mood,3,2026-03-04,r6,,,\n"         # unknown kind
        "ces,3,yesterday,r7,,,\n"           # bad time
        "csat,5,2026-03-04,r8,cw-999,,\n"   # unknown conversation
        ",,,,,,\n",                          # empty
        encoding="utf-8")
    code = cli.main(["--data-dir", str(data_dir), "import", "surveys", str(csv_file), "--tz", "UTC", "--json"])
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert code == 1
    assert result["imported"] == 3 and result["updated"] == 0
    assert [e["line"] for e in result["errors"]] == [5, 6, 7, 8, 9, 10]
    assert "answers.csv:5: csat score 6 is outside 1–5" in captured.err
    # importing again updates the same answers instead of duplicating them
    cli.main(["--data-dir", str(data_dir), "import", "surveys", str(csv_file), "--tz", "UTC", "--json"])
    assert json.loads(capsys.readouterr().out)["updated"] == 3
    db = Database(data_dir / "cache.sqlite3")
    with db.read() as conn:
        rows = conn.exec_driver_sql("SELECT kind, score, conversation_id FROM survey_response ORDER BY id").all()
    db.close()
    assert [(r[0], r[1]) for r in rows] == [("nps", 10), ("nps", 3), ("ces", 6)]
    assert rows[2][2] is not None
    report = ReportService(Database(data_dir / "cache.sqlite3")).kpi_report(
        start="2026-03-01", end="2026-04-01", tz="UTC")
    assert report["nps"] == 0.0 and report["ces"] == 6.0


def test_import_surveys_rejects_a_file_without_the_needed_columns(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("when,how\n2026-01-01,5\n", encoding="utf-8")
    result = ReportService(db).import_surveys(bad, tz="UTC")
    assert result.imported == 0 and result.errors[0][0] == 1 and "kind" in result.errors[0][1]
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert ReportService(db).import_surveys(empty, tz="UTC").errors == [
        (1, "the file is empty (a header row is needed)")]


def test_outage_snapshot_lists_sla_clocks(db):
    now = local("2026-03-10 12:00", "UTC")
    with db.write() as conn:
        b = CacheBuilder(conn)
        chat = b.conversation(created=now - 100, channel="web_chat")
        b.message(chat, "in", now - 100)
        mail = b.conversation(created=now - 3600, channel="email")
        b.message(mail, "in", now - 3600)
        late = b.conversation(created=now - 600, channel="sms")
        b.message(late, "in", now - 7200)
        from deskapp.kpi.rollup import rebuild

        rebuild(conn)
    snap = ReportService(db).outage_snapshot(now=now)
    assert [(c["conversation_id"], c["state"]) for c in snap["sla_clocks"]] == [
        (late, "breached"), (chat, "at_risk"), (mail, "ok")]
    assert snap["at_risk"] == 1 and snap["breached"] == 1 and snap["queued"] == []


def test_dashboard_previous_period_matches_a_sequential_computation(workspace_db):
    from datetime import date
    from zoneinfo import ZoneInfo

    from deskapp.kpi.compute import compute_dashboard
    from deskapp.kpi.period import Period

    service = ReportService(workspace_db)
    period = Period(date(2026, 3, 3), date(2026, 3, 5), ZoneInfo("UTC"))
    now = local("2026-03-10 00:00", "UTC")
    parallel = service.dashboard(period, now=now).figures
    with workspace_db.read() as conn:
        sequential = compute_dashboard(conn, period, now=now, with_previous=True).figures
    assert parallel == sequential
    assert parallel["previous"]["volume"]["total"] == 1  # 1–2 March: the conversation of the 2nd
    assert service.conversation_ids(period, None, "volume", now=now) == [2]
    service.close()


def test_my_dashboard_is_for_whoever_is_signed_in_now(workspace_db):
    from deskapp.kpi.period import parse_period, resolve_timezone
    from deskapp.kpi.scope import Filters

    service = ReportService(workspace_db)
    period = parse_period("2026-03-01", "2026-04-01", resolve_timezone("UTC"))
    now = local("2026-03-10 12:00", "UTC")
    mine = service.my_dashboard(period, now=now)
    expected = service.kpi_report(start="2026-03-01", end="2026-04-01", tz="UTC", now=now,
                                  agent_email="mia@shop.test")
    expected.pop("formulas")
    assert mine.figures == expected and mine.figures["volume"]["total"] == 1
    web_chat = service.my_dashboard(period, Filters(channels=("web_chat",)), now=now)  # Oz's channel
    assert web_chat.filters == Filters(channels=("web_chat",), agent_ids=service.signed_in().agent_ids)
    assert web_chat.figures["volume"]["total"] == 0
    with workspace_db.write() as conn:
        conn.exec_driver_sql("UPDATE agent SET is_me = 0")
    assert service.signed_in().agent_ids == () and service.my_dashboard(period, now=now) is None
    with workspace_db.write() as conn:
        conn.exec_driver_sql("UPDATE agent SET is_me = 1 WHERE name = 'Oz'")
    theirs = service.my_dashboard(period, now=now)
    assert [a["name"] for a in theirs.figures["agents"]] == ["Oz"] and theirs.figures["volume"]["total"] == 1
    assert not service.signed_in().supervisor  # Oz is an agent; Mia was the administrator

"""Agents, teams and labels the cache knows, for services' pickers, report filters and assign actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from deskapp.store.engine import Database


def agents(db: Database) -> list[dict[str, Any]]:
    """Every agent, the signed-in ones first, then by name."""
    with db.read() as conn:
        rows = conn.execute(text(
            "SELECT id, account_id, name, email, role, is_me FROM agent ORDER BY is_me DESC, name COLLATE NOCASE"
        )).all()
    return [dict(r._mapping) for r in rows]


def teams(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(text("SELECT id, account_id, name FROM team ORDER BY name COLLATE NOCASE")).all()
    return [dict(r._mapping) for r in rows]


def frequent_labels(db: Database) -> list[str]:
    """The 200 labels most used on conversations, most used first."""
    with db.read() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT label FROM conversation_label GROUP BY label ORDER BY count(*) DESC, label LIMIT 200"))]


def my_agent_ids(db: Database) -> set[int]:
    with db.read() as conn:
        return {r[0] for r in conn.execute(text("SELECT id FROM agent WHERE is_me = 1"))}


def agents_by_name(db: Database) -> list[tuple[int, str, str, str, bool]]:
    """(id, name, email, role, is_me) of every agent, by name."""
    with db.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, name, email, role, is_me FROM agent ORDER BY name, id").all()
    return [(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


def team_names(conn: Connection) -> list[tuple[int, str]]:
    """(id, name) of every team, by name."""
    return [(r[0], r[1]) for r in conn.exec_driver_sql("SELECT id, name FROM team ORDER BY name")]


def agent_ids_named(conn: Connection, email_or_name: str) -> tuple[int, ...]:
    """Agents whose email or name is this, ignoring case."""
    return tuple(r[0] for r in conn.exec_driver_sql(
        "SELECT id FROM agent WHERE lower(email) = lower(?) OR lower(name) = lower(?)",
        (email_or_name, email_or_name)))


def team_ids_named(conn: Connection, name: str) -> tuple[int, ...]:
    return tuple(r[0] for r in conn.exec_driver_sql(
        "SELECT id FROM team WHERE lower(name) = lower(?)", (name,)))


def external_id(conn: Connection, table: str, local_id: int) -> Any:
    """The service's id of a cached agent or team (``table``: "agent" or "team"); None when unknown."""
    if table not in ("agent", "team"):
        raise ValueError(f"no external ids to look up in {table!r}")
    return conn.execute(text(f"SELECT external_id FROM {table} WHERE id=:id"), {"id": local_id}).scalar()


def me_on_account(conn: Connection, account_id: int) -> tuple[str, str] | None:
    """(name, email) of the signed-in agent on one account."""
    me = conn.execute(text("SELECT name, email FROM agent WHERE is_me = 1 AND account_id = :a LIMIT 1"),
                      {"a": account_id}).first()
    return (me.name, me.email) if me is not None else None


def conversation_account(conn: Connection, conversation_id: int) -> int | None:
    """The account a cached conversation belongs to; None when there is no such conversation."""
    return conn.exec_driver_sql("SELECT account_id FROM conversation WHERE id = ?", (conversation_id,)).scalar()


def my_agent_on(conn: Connection, account_id: int) -> int | None:
    """The local id of the signed-in agent on one account."""
    return conn.exec_driver_sql("SELECT id FROM agent WHERE account_id = ? AND is_me = 1", (account_id,)).scalar()


def named_on(conn: Connection, table: str, account_id: int, who: str) -> int | None:
    """An agent or team (``table``) of one account by local id, external id or name (and an agent by email),
    ignoring case; a match on the local id wins."""
    if table not in ("agent", "team"):
        raise ValueError(f"no agents or teams in {table!r}")
    by_email = " OR lower(email) = lower(:w)" if table == "agent" else ""
    return conn.execute(text(
        f"SELECT id FROM {table} WHERE account_id = :a AND (CAST(id AS TEXT) = :w OR external_id = :w"
        f" OR lower(name) = lower(:w){by_email}) ORDER BY (CAST(id AS TEXT) = :w) DESC LIMIT 1"),
        {"a": account_id, "w": who}).scalar()

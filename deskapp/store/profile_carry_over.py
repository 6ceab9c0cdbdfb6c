"""Carries what the agent wrote out of a cache file into a new profile, once, for bootstrap.

Before the profile existed, accounts, the agent's own templates, saved views, drafts, triage
corrections and settings lived in cache.sqlite3. On the first start of a data folder with a cache but
no carried-over profile, they are copied (read-only, table by table, so a damaged cache still gives
what it can) into the profile in one transaction, marked done in the same transaction. Works on a
cache of any schema revision: tables a revision lacks are simply not there to copy. Rows the profile
already holds (same id) are left as the profile has them. The carried accounts' secrets are still under
the keyring's unscoped names: the profile claims them (store.profile_identity).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from deskapp.store import profile_identity
from deskapp.store import profile_records as records
from deskapp.store.profile import ProfileStore

log = logging.getLogger(__name__)

EVERYTHING = "everything"  # in CarryOver.unreadable: the old file could not be opened or read at all
# Keys the old cache kept among the settings that the profile keeps in their own places.
_OLD_SAVED_VIEWS = "ui.saved_views"
_OLD_DEFAULTS_SEEDED = "copilot.default_templates_seeded"


@dataclass
class CarryOver:
    """What came over from the cache, and what could not be read there (a damaged file)."""

    counts: dict[str, int] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)


def carried_over(profile: ProfileStore) -> bool:
    with profile.read() as conn:
        return records.meta(conn, records.CARRIED_OVER) is not None


def _tables(old: sqlite3.Connection) -> set[str]:
    return {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _accounts(old: sqlite3.Connection, new: sqlite3.Connection) -> int:
    rows = old.execute("SELECT id, kind, name, base_url, settings, created_at FROM account ORDER BY id").fetchall()
    rows = [r for r in rows if records.get_account(new, r["id"]) is None]  # the profile's own row wins
    for r in rows:
        try:
            settings = json.loads(r["settings"] or "{}")
        except ValueError:
            settings = {}
        records.insert_account(new, r["kind"], r["name"], r["base_url"] or "", settings,
                               account_id=r["id"], created_at=r["created_at"])
    return len(rows)


def _settings(old: sqlite3.Connection, new: sqlite3.Connection) -> int:
    count = 0
    for key, value in old.execute("SELECT key, value FROM setting ORDER BY key").fetchall():
        if key == _OLD_SAVED_VIEWS:
            try:
                views = json.loads(value)
            except ValueError:
                views = []
            for item in views if isinstance(views, list) else []:
                if isinstance(item, dict) and item.get("name"):
                    records.put_saved_view(new, str(item["name"]), item.get("filter") or {})
        elif key == _OLD_DEFAULTS_SEEDED:
            records.put_meta(new, records.DEFAULTS_SEEDED, value)
        else:
            records.put_setting(new, key, value)
            count += 1
    return count


def _templates(old: sqlite3.Connection, new: sqlite3.Connection) -> int:
    rows = old.execute("SELECT id, external_id, name, body, shortcut, scope, intents, updated_at FROM template"
                       " WHERE account_id IS NULL ORDER BY id").fetchall()
    rows = [r for r in rows if records.template(new, r["id"]) is None
            and (r["external_id"] is None or records.template_id_by(new, origin=r["external_id"]) is None)]
    for r in rows:
        try:
            intents = json.loads(r["intents"] or "[]")
        except ValueError:
            intents = []
        records.insert_template(new, name=r["name"], body=r["body"], shortcut=r["shortcut"] or "",
                                scope=r["scope"] or "team", intents=intents, origin=r["external_id"],
                                template_id=r["id"], updated_at=r["updated_at"])
    return len(rows)


def _drafts(old: sqlite3.Connection, new: sqlite3.Connection) -> int:
    rows = old.execute("SELECT c.account_id, c.external_id, d.body, d.is_note, d.updated_at"
                       " FROM draft d JOIN conversation c ON c.id = d.conversation_id").fetchall()
    for r in rows:
        records.put_draft(new, r[0], r[1], r[2], is_note=bool(r[3]), updated_at=r[4])
    return len(rows)


def _corrections(old: sqlite3.Connection, new: sqlite3.Connection) -> int:
    rows = old.execute(
        "SELECT coalesce(c.account_id, m.account_id), c.external_id, m.external_id,"
        " t.field, t.old_value, t.new_value, t.text, t.at, coalesce(c.triage_locked, 0)"
        " FROM triage_correction t LEFT JOIN message m ON m.id = t.message_id"
        " LEFT JOIN conversation c ON c.id = coalesce(t.conversation_id, m.conversation_id) ORDER BY t.id").fetchall()
    known = set(records.corrections(new))
    # r[:8] is exactly the eight fields before ``locks``, which mypy cannot see in an unpacked row
    fresh = [c for r in rows if (c := records.Correction(*r[:8], locks=bool(r[8]))) not in known]  # type: ignore[misc]
    for c in fresh:
        records.add_correction(new, c)
    return len(fresh)


def _retrained(old: sqlite3.Connection, new: sqlite3.Connection) -> int:
    if old.execute("SELECT 1 FROM triage_model LIMIT 1").fetchone():
        records.put_meta(new, records.TRIAGE_RETRAINED, "1")  # a rebuilt cache retrains with the kept corrections
        return 1
    return 0


_PARTS: tuple[tuple[str, str, Callable[[sqlite3.Connection, sqlite3.Connection], int]], ...] = (
    ("accounts", "account", _accounts),
    ("settings", "setting", _settings),
    ("templates", "template", _templates),
    ("drafts", "draft", _drafts),
    ("triage corrections", "triage_correction", _corrections),
    ("triage model", "triage_model", _retrained),
)


def carry_over(profile: ProfileStore, cache_path: Path) -> CarryOver:
    """Copy the agent's work from ``cache_path`` (when there is one) and mark the profile carried over."""
    result = CarryOver()
    with profile.write() as new:
        had = {a.id for a in records.list_accounts(new)}
        if cache_path.exists() and cache_path.stat().st_size > 0:
            try:
                old = sqlite3.connect(f"file:{cache_path}?mode=ro", uri=True, timeout=30)
            except sqlite3.Error as exc:
                log.error("the old cache %s cannot be opened to carry its data over: %s", cache_path, exc)
                result.unreadable.append(EVERYTHING)
            else:
                try:
                    _copy_parts(old, new, result)
                finally:
                    old.close()
                profile_identity.claim_unscoped(new, [a.id for a in records.list_accounts(new) if a.id not in had])
        records.put_meta(new, records.CARRIED_OVER, json.dumps({"from": str(cache_path), "at": int(time.time()),
                                                        **result.counts, "unreadable": result.unreadable}))
    if result.counts:
        log.info("carried over from %s into the profile: %s", cache_path, result.counts)
    return result


def _copy_parts(old: sqlite3.Connection, new: sqlite3.Connection, result: CarryOver) -> None:
    old.row_factory = sqlite3.Row
    try:
        present = _tables(old)
    except sqlite3.DatabaseError as exc:
        log.error("the old cache cannot be read to carry its data over: %s", exc)
        result.unreadable.append(EVERYTHING)
        return
    for label, table, copy in _PARTS:
        if table not in present:
            continue
        new.execute("SAVEPOINT part")
        try:
            result.counts[label] = copy(old, new)
            new.execute("RELEASE part")
        except sqlite3.DatabaseError as exc:  # damaged pages in the old file: keep what the other parts give
            new.execute("ROLLBACK TO part")
            new.execute("RELEASE part")
            log.error("the %s of the old cache could not be carried over: %s", label, exc)
            result.unreadable.append(label)

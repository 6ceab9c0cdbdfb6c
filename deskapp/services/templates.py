"""Reply templates for the UI: CRUD, defaults, Chatwoot canned responses, JSON export/import, previews, bulk answer.

Bulk answer renders one template for many conversations, lets the agent review every reply, and
queues the approved ones through the outbox (``ActionService.reply``): nothing is sent by itself.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

from sqlalchemy import Connection, text

from deskapp.copilot.context import build_context
from deskapp.copilot.model import HEADS
from deskapp.copilot.templating import RenderResult, check, render
from deskapp.copilot.triage import default_triager
from deskapp.store.engine import Database

SEEDED_FLAG = "copilot.default_templates_seeded"
SCOPES = ("team", "personal")
CHATWOOT_PREFIX = "chatwoot:"
EXPORT_FORMAT = "deskapp-templates/1"


class TemplateError(ValueError):
    """A template that cannot be saved (no name, bad syntax, unknown scope or intent) or a bad import file."""


@dataclass(frozen=True)
class TemplateRow:
    id: int
    name: str
    body: str
    shortcut: str = ""
    scope: str = "team"
    intents: tuple[str, ...] = ()
    account_id: int | None = None  # set for canned responses as synced from Chatwoot (read-only here)
    external_id: str | None = None
    updated_at: int = 0

    @property
    def synced(self) -> bool:
        return self.account_id is not None


def _row(r: Any) -> TemplateRow:
    try:
        intents = tuple(json.loads(r.intents or "[]"))
    except ValueError:
        intents = ()
    return TemplateRow(r.id, r.name, r.body, r.shortcut, r.scope, intents, r.account_id, r.external_id, r.updated_at)


_COLUMNS = "id, name, body, shortcut, scope, intents, account_id, external_id, updated_at"


def ensure_default_templates(db: Database) -> int:
    """Seed the shipped team templates once per cache; deleting them later does not bring them back."""
    with db.read() as conn:
        if conn.execute(text("SELECT 1 FROM setting WHERE key = :k"), {"k": SEEDED_FLAG}).first():
            return 0
    defaults = json.loads((resources.files("deskapp.copilot") / "data" / "default_templates.json").read_text("utf-8"))
    now = int(time.time())
    with db.write() as conn:
        if conn.execute(text("SELECT 1 FROM setting WHERE key = :k"), {"k": SEEDED_FLAG}).first():
            return 0  # another thread seeded while we read the file
        conn.execute(text(
            "INSERT INTO template(account_id, external_id, name, body, shortcut, scope, intents, updated_at)"
            " VALUES (NULL, :ext, :name, :body, :shortcut, 'team', :intents, :at)"),
            [{"ext": f"default:{i}", "name": t["name"], "body": t["body"], "shortcut": t.get("shortcut", ""),
              "intents": json.dumps(t.get("intents", [])), "at": now} for i, t in enumerate(defaults)])
        conn.execute(text("INSERT INTO setting(key, value) VALUES (:k, :v)"), {"k": SEEDED_FLAG, "v": str(now)})
    return len(defaults)


def list_templates(db: Database, *, intent: str | None = None, include_synced: bool = True) -> list[TemplateRow]:
    with db.read() as conn:
        rows = [_row(r) for r in conn.execute(
            text(f"SELECT {_COLUMNS} FROM template ORDER BY name COLLATE NOCASE, id"))]
    if not include_synced:
        rows = [r for r in rows if not r.synced]
    if intent:
        rows = [r for r in rows if intent in r.intents]
    return rows


def get_template(db: Database, template_id: int) -> TemplateRow | None:
    with db.read() as conn:
        r = conn.execute(text(f"SELECT {_COLUMNS} FROM template WHERE id = :id"), {"id": template_id}).first()
    return _row(r) if r else None


def _validate(name: str, body: str, scope: str, intents: tuple[str, ...] | list[str]) -> None:
    if not name.strip():
        raise TemplateError("a template needs a name")
    if scope not in SCOPES:
        raise TemplateError(f"scope must be one of {', '.join(SCOPES)}")
    unknown = [i for i in intents if i not in HEADS["intent"]]
    if unknown:
        raise TemplateError(f"unknown intent(s): {', '.join(unknown)}")
    problems = [p for p in check(body) if not p.startswith("unknown variable")]
    if problems:
        raise TemplateError(problems[0])


def save_template(db: Database, *, name: str, body: str, shortcut: str = "", scope: str = "team",
                  intents: tuple[str, ...] | list[str] = (), template_id: int | None = None) -> int:
    """Create (no id) or update a local template; returns its id. Unknown variables are allowed (shown as warnings)."""
    _validate(name, body, scope, intents)
    params = {"name": name.strip(), "body": body, "shortcut": shortcut.strip(), "scope": scope,
              "intents": json.dumps(list(dict.fromkeys(intents))), "at": int(time.time()), "id": template_id}
    with db.write() as conn:
        if template_id is None:
            return int(conn.execute(text(
                "INSERT INTO template(account_id, external_id, name, body, shortcut, scope, intents, updated_at)"
                " VALUES (NULL, NULL, :name, :body, :shortcut, :scope, :intents, :at) RETURNING id"),
                params).scalar_one())
        found = conn.execute(text("SELECT account_id FROM template WHERE id = :id"), {"id": template_id}).first()
        if found is None:
            raise TemplateError(f"no template {template_id}")
        if found[0] is not None:
            raise TemplateError("a synced Chatwoot canned response is edited in Chatwoot; import it to edit a copy")
        conn.execute(text("UPDATE template SET name = :name, body = :body, shortcut = :shortcut, scope = :scope,"
                          " intents = :intents, updated_at = :at WHERE id = :id"), params)
        return template_id


def delete_template(db: Database, template_id: int) -> bool:
    with db.write() as conn:
        return conn.execute(text("DELETE FROM template WHERE id = :id AND account_id IS NULL"),
                            {"id": template_id}).rowcount > 0


# --- Chatwoot canned responses ---------------------------------------------------------------------

_CHATWOOT_VARS = {
    "contact.name": "customer.name", "contact.first_name": "customer.first_name",
    "contact.last_name": "customer.last_name", "contact.email": "customer.email", "contact.phone": "customer.phone",
    "agent.name": "agent.name", "agent.first_name": "agent.first_name", "agent.email": "agent.email",
    "conversation.id": "conversation.id",
}
_CHATWOOT_VAR = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")


def convert_chatwoot_body(body: str) -> str:
    """Chatwoot's ``{{contact.name}}`` placeholders become our variables; anything else stays literal text."""
    def swap(m: re.Match[str]) -> str:
        mapped = _CHATWOOT_VARS.get(m.group(1))
        return "{{ " + mapped + " }}" if mapped else "{{ '" + m.group(0).replace("'", "") + "' }}"
    # Escape stray Jinja syntax a canned response may contain by accident, then map the placeholders.
    escaped = body.replace("{%", "{{ '{%' }}").replace("{#", "{{ '{#' }}")
    return _CHATWOOT_VAR.sub(swap, escaped)


def guess_intents(body: str) -> tuple[str, ...]:
    """The intent a reply answers, by asking the triage model what the reply talks about."""
    result = default_triager().triage(body)
    return (result.intent,) if result.intent != "other" and result.intent_score >= 0.5 else ()


def import_chatwoot_canned(db: Database) -> int:
    """Copy synced canned responses into editable team templates (variables converted, intents guessed).

    Re-importing updates the copies rather than duplicating them; returns how many were added or updated.
    """
    with db.read() as conn:
        synced = conn.execute(text(
            "SELECT id, account_id, external_id, name, body, shortcut FROM template"
            " WHERE account_id IS NOT NULL")).all()
        existing = {r.external_id: r.id for r in conn.execute(text(
            "SELECT id, external_id FROM template WHERE account_id IS NULL AND external_id LIKE 'chatwoot:%'"))}
    now, changed = int(time.time()), 0
    with db.write() as conn:
        for r in synced:
            key = f"{CHATWOOT_PREFIX}{r.account_id}:{r.external_id}"
            body = convert_chatwoot_body(r.body)
            name = r.name or r.shortcut or f"Canned response {r.external_id}"
            if key in existing:
                tid = existing[key]
                conn.execute(text("UPDATE template SET name = :n, body = :b, shortcut = :s, updated_at = :at"
                                  " WHERE id = :id AND (body != :b OR name != :n OR shortcut != :s)"),
                             {"n": name, "b": body, "s": r.shortcut, "at": now, "id": tid})
            else:
                conn.execute(text(
                    "INSERT INTO template(account_id, external_id, name, body, shortcut, scope, intents, updated_at)"
                    " VALUES (NULL, :ext, :n, :b, :s, 'team', :i, :at)"),
                    {"ext": key, "n": name, "b": body, "s": r.shortcut, "i": json.dumps(guess_intents(r.body)),
                     "at": now})
            changed += 1
    return changed


# --- JSON export / import --------------------------------------------------------------------------

def export_json(db: Database, ids: list[int] | None = None) -> str:
    rows = [t for t in list_templates(db, include_synced=False) if ids is None or t.id in ids]
    return json.dumps({"format": EXPORT_FORMAT, "templates": [
        {"name": t.name, "body": t.body, "shortcut": t.shortcut, "scope": t.scope, "intents": list(t.intents)}
        for t in rows]}, ensure_ascii=False, indent=1)


def import_json(db: Database, data: str) -> int:
    """Add templates from an export; a template with the same name and scope is updated. All or nothing."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise TemplateError(f"not a JSON file: {exc}") from exc
    items = doc.get("templates") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise TemplateError("expected a list of templates")
    cleaned = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("body"), str):
            raise TemplateError(f"template {n}: needs a name and a body")
        intents = item.get("intents") or []
        if not isinstance(intents, list) or not all(isinstance(i, str) for i in intents):
            raise TemplateError(f"template {n}: intents must be a list of names")
        scope = item.get("scope") or "team"
        try:
            _validate(item["name"], item["body"], scope, intents)
        except TemplateError as exc:
            raise TemplateError(f"template {n} ({item['name']!r}): {exc}") from exc
        cleaned.append({"n": item["name"].strip(), "b": item["body"], "s": str(item.get("shortcut") or ""),
                        "sc": scope, "i": json.dumps(intents), "at": int(time.time())})
    with db.write() as conn:
        for p in cleaned:
            tid = conn.execute(text("SELECT id FROM template WHERE account_id IS NULL AND name = :n AND scope = :sc"),
                               p).scalar()
            if tid:
                conn.execute(text("UPDATE template SET body = :b, shortcut = :s, intents = :i, updated_at = :at"
                                  " WHERE id = :id"), {**p, "id": tid})
            else:
                conn.execute(text(
                    "INSERT INTO template(account_id, external_id, name, body, shortcut, scope, intents, updated_at)"
                    " VALUES (NULL, NULL, :n, :b, :s, :sc, :i, :at)"), p)
    return len(cleaned)


# --- previews and bulk answer ----------------------------------------------------------------------

def context_for(conn: Connection, conversation_id: int, agent_name: str | None = None) -> dict[str, Any]:
    return build_context(conn, conversation_id, agent_name=agent_name)


def preview(db: Database, body: str, conversation_id: int | None, *, agent_name: str | None = None) -> RenderResult:
    """The template rendered for one conversation (or with no data), with missing variables and errors reported."""
    if conversation_id is None:
        return render(body, {"agent": {"name": agent_name}} if agent_name else {})
    with db.read() as conn:
        ctx = context_for(conn, conversation_id, agent_name)
    return render(body, ctx)


@dataclass
class BulkItem:
    conversation_id: int
    customer: str
    subject: str
    result: RenderResult
    selected: bool = field(default=True)

    @property
    def text(self) -> str:
        return self.result.text


def bulk_candidates(db: Database, intent: str, *, statuses: tuple[str, ...] = ("open", "pending"),
                    limit: int = 500) -> list[int]:
    """Conversations of one intent still waiting for the team, oldest activity first."""
    marks = ",".join(f":s{i}" for i in range(len(statuses)))
    with db.read() as conn:
        return [r[0] for r in conn.execute(text(
            f"SELECT id FROM conversation WHERE intent = :intent AND status IN ({marks})"
            " ORDER BY last_message_at, id LIMIT :limit"),
            {"intent": intent, "limit": limit, **{f"s{i}": s for i, s in enumerate(statuses)}})]


def bulk_preview(db: Database, body: str, conversation_ids: list[int], *,
                 agent_name: str | None = None) -> list[BulkItem]:
    """One personalised reply per conversation; replies with missing data or errors start unselected."""
    items = []
    with db.read() as conn:
        for cid in conversation_ids:
            head = conn.execute(text("SELECT c.subject, coalesce(cu.name, '') FROM conversation c"
                                     " LEFT JOIN customer cu ON cu.id = c.customer_id WHERE c.id = :id"),
                                {"id": cid}).first()
            if head is None:
                continue
            result = render(body, context_for(conn, cid, agent_name))
            items.append(BulkItem(cid, head[1], head[0], result, selected=result.ok and bool(result.text)))
    return items


class Replier(Protocol):
    def reply(self, conversation_id: int, text_: str) -> str: ...


def bulk_send(actions: Replier, items: list[BulkItem]) -> list[str]:
    """Queue every selected, error-free reply through the outbox; returns their client ids."""
    return [actions.reply(item.conversation_id, item.text) for item in items
            if item.selected and item.result.error is None and item.text.strip()]

"""Reply templates for the UI: CRUD, defaults, Chatwoot canned responses, JSON export/import, previews, bulk answer.

The agent's own templates (typed in, imported, or the shipped defaults) live in the profile and survive
a rebuilt cache; canned responses synced from Chatwoot live in the cache and come back with the sync.

Bulk answer renders one template for many conversations, lets the agent review every reply, and
queues the approved ones through the outbox (``ActionService.reply``): nothing is sent by itself.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol, TypedDict

from deskapp.copilot.context import build_context
from deskapp.copilot.model import HEADS
from deskapp.copilot.templating import RenderResult as RenderResult  # what the window's previews receive
from deskapp.copilot.templating import check, render
from deskapp.copilot.triage import default_triager
from deskapp.services.returns import team_zone
from deskapp.store import canned_responses, conversation_facts
from deskapp.store import profile_records as records
from deskapp.store.engine import Connection, Database
from deskapp.store.profile import ProfileStore

SCOPES = ("team", "personal")
CHATWOOT_PREFIX = "chatwoot:"
EXPORT_FORMAT = "deskapp-templates/1"


class TemplateError(ValueError):
    """A template that cannot be saved (no name, bad syntax, unknown scope or intent) or a bad import file."""


@dataclass(frozen=True)
class TemplateRow:
    id: int  # the agent's own: the profile's id (> 0); synced: minus the cache's id, so the two never collide
    name: str
    body: str
    shortcut: str = ""
    scope: str = "team"
    intents: tuple[str, ...] = ()
    account_id: int | None = None  # set for canned responses as synced from Chatwoot (read-only here)
    external_id: str | None = None  # synced: the server's id; own: where it came from (default:<n>, chatwoot:...)
    updated_at: int = 0

    @property
    def synced(self) -> bool:
        return self.account_id is not None


def _intents(raw: str | None) -> tuple[str, ...]:
    try:
        return tuple(json.loads(raw or "[]"))
    except ValueError:
        return ()


def _own(r: Any) -> TemplateRow:
    return TemplateRow(r["id"], r["name"], r["body"], r["shortcut"], r["scope"], _intents(r["intents"]), None,
                       r["origin"], r["updated_at"])


def _synced(r: Any) -> TemplateRow:
    return TemplateRow(-r.id, r.name, r.body, r.shortcut, r.scope, _intents(r.intents), r.account_id, r.external_id,
                       r.updated_at)


def ensure_default_templates(profile: ProfileStore) -> int:
    """Seed the shipped team templates once per profile; deleting them later does not bring them back."""
    with profile.read() as conn:
        if records.meta(conn, records.DEFAULTS_SEEDED) is not None:
            return 0
    defaults = json.loads((resources.files("deskapp.copilot") / "data" / "default_templates.json").read_text("utf-8"))
    with profile.write() as conn:
        if records.meta(conn, records.DEFAULTS_SEEDED) is not None:
            return 0  # another thread seeded while we read the file
        for i, t in enumerate(defaults):
            if records.template_id_by(conn, origin=f"default:{i}") is None:
                records.insert_template(conn, name=t["name"], body=t["body"], shortcut=t.get("shortcut", ""),
                                        scope="team", intents=t.get("intents", []), origin=f"default:{i}")
        records.put_meta(conn, records.DEFAULTS_SEEDED, str(int(time.time())))
    return len(defaults)


def list_templates(db: Database, profile: ProfileStore, *, intent: str | None = None,
                   include_synced: bool = True) -> list[TemplateRow]:
    """The agent's own templates (profile) and, unless told otherwise, the canned responses synced into the cache."""
    with profile.read() as conn:
        rows = [_own(r) for r in records.templates(conn)]
    if include_synced:
        with db.read() as conn:
            rows += [_synced(r) for r in canned_responses.synced_templates(conn)]
        rows.sort(key=lambda t: (t.name.casefold(), t.synced, abs(t.id)))
    if intent:
        rows = [r for r in rows if intent in r.intents]
    return rows


def get_template(db: Database, profile: ProfileStore, template_id: int) -> TemplateRow | None:
    if template_id < 0:
        with db.read() as conn:
            found = canned_responses.synced_template(conn, -template_id)
        return _synced(found) if found else None
    with profile.read() as conn:
        own = records.template(conn, template_id)
    return _own(own) if own else None


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


class _TemplateFields(TypedDict):
    name: str
    body: str
    shortcut: str
    scope: str
    intents: list[str]


def save_template(profile: ProfileStore, *, name: str, body: str, shortcut: str = "", scope: str = "team",
                  intents: tuple[str, ...] | list[str] = (), template_id: int | None = None) -> int:
    """Create (no id) or update one of the agent's templates; returns its id. Unknown variables are allowed
    (shown as warnings)."""
    _validate(name, body, scope, intents)
    if template_id is not None and template_id < 0:
        raise TemplateError("a synced Chatwoot canned response is edited in Chatwoot; import it to edit a copy")
    fields: _TemplateFields = {"name": name.strip(), "body": body, "shortcut": shortcut.strip(), "scope": scope,
                               "intents": list(dict.fromkeys(intents))}
    with profile.write() as conn:
        if template_id is None:
            return records.insert_template(conn, **fields)
        if not records.update_template(conn, template_id, **fields):
            raise TemplateError(f"no template {template_id}")
        return template_id


def delete_template(profile: ProfileStore, template_id: int) -> bool:
    """Delete one of the agent's templates (a synced one goes away only on its server)."""
    if template_id < 0:
        return False
    with profile.write() as conn:
        return records.delete_template(conn, template_id)


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


def import_chatwoot_canned(db: Database, profile: ProfileStore) -> int:
    """Copy synced canned responses into the agent's editable team templates (variables converted, intents
    guessed). Re-importing updates the copies rather than duplicating them; returns how many were added or updated.
    """
    with db.read() as conn:
        synced = [r for r in canned_responses.synced_templates(conn) if r.account_id is not None]
    changed = 0
    with profile.write() as conn:
        for r in synced:
            key = f"{CHATWOOT_PREFIX}{r.account_id}:{r.external_id}"
            body = convert_chatwoot_body(r.body)
            name = r.name or r.shortcut or f"Canned response {r.external_id}"
            existing = records.template_id_by(conn, origin=key)
            if existing is not None:
                current = records.template(conn, existing)
                assert current is not None  # found by template_id_by in this same transaction
                if (current["name"], current["body"], current["shortcut"]) != (name, body, r.shortcut):
                    records.update_template(conn, existing, name=name, body=body, shortcut=r.shortcut)
            else:
                records.insert_template(conn, name=name, body=body, shortcut=r.shortcut, scope="team",
                                        intents=guess_intents(r.body), origin=key)
            changed += 1
    return changed


# --- JSON export / import --------------------------------------------------------------------------

def export_json(profile: ProfileStore, ids: list[int] | None = None) -> str:
    with profile.read() as conn:
        rows = [_own(r) for r in records.templates(conn)]
    rows = [t for t in rows if ids is None or t.id in ids]
    return json.dumps({"format": EXPORT_FORMAT, "templates": [
        {"name": t.name, "body": t.body, "shortcut": t.shortcut, "scope": t.scope, "intents": list(t.intents)}
        for t in rows]}, ensure_ascii=False, indent=1)


def import_json(profile: ProfileStore, data: str) -> int:
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
        cleaned.append({"name": item["name"].strip(), "body": item["body"],
                        "shortcut": str(item.get("shortcut") or ""), "scope": scope, "intents": intents})
    with profile.write() as conn:
        for t in cleaned:
            tid = records.template_id_by(conn, name=t["name"], scope=t["scope"])
            if tid is not None:
                records.update_template(conn, tid, body=t["body"], shortcut=t["shortcut"], intents=t["intents"])
            else:
                records.insert_template(conn, **t)
    return len(cleaned)


# --- previews and bulk answer ----------------------------------------------------------------------

def context_for(conn: Connection, conversation_id: int, agent_name: str | None = None) -> dict[str, Any]:
    return build_context(conn, conversation_id, agent_name=agent_name, zone=team_zone(conn))


def conversation_context(db: Database, conversation_id: int, agent_name: str | None = None) -> dict[str, Any]:
    """What a template may read for one conversation, on a read connection of its own (a worker thread's)."""
    with db.read() as conn:
        return context_for(conn, conversation_id, agent_name)


def preview(db: Database, body: str, conversation_id: int | None, *, agent_name: str | None = None) -> RenderResult:
    """The template rendered for one conversation (or with no data), with missing variables and errors reported."""
    if conversation_id is None:
        return render(body, {"agent": {"name": agent_name}} if agent_name else {})
    return render(body, conversation_context(db, conversation_id, agent_name))


@dataclass
class BulkItem:
    conversation_id: int
    customer: str
    subject: str | None
    result: RenderResult
    selected: bool = field(default=True)

    @property
    def text(self) -> str:
        return self.result.text


def bulk_candidates(db: Database, intent: str, *, statuses: tuple[str, ...] = ("open", "pending"),
                    limit: int = 500) -> list[int]:
    """Conversations of one intent still waiting for the team, oldest activity first."""
    return conversation_facts.waiting_with_intent(db, intent, statuses, limit)


def bulk_preview(db: Database, body: str, conversation_ids: list[int], *,
                 agent_name: str | None = None) -> list[BulkItem]:
    """One personalised reply per conversation; replies with missing data or errors start unselected."""
    items = []
    with db.read() as conn:
        for cid in conversation_ids:
            head = conversation_facts.subject_and_customer(conn, cid)
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

"""Reply suggestions for the open conversation: templates for its intent, past replies, LLM drafts on request.

``SuggestionService.suggest`` answers in well under 100 ms from the local cache, help-center articles
included; ``grounded_draft`` streams an LLM reply for the composer from the customer's orders, their return
eligibility and the best matching articles, and says which articles it used. Nothing is ever sent: the
agent inserts, edits and sends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deskapp.copilot.context import build_context, order_summary
from deskapp.copilot.knowledge import ArticleMatch, find_articles, insert_text
from deskapp.copilot.llm import DEFAULT_MODEL, DEFAULT_URL, DraftStream, LLMClient, LLMError, LLMSettings
from deskapp.copilot.past_replies import depersonalise, find_past_replies
from deskapp.copilot.prompt import MAX_ARTICLES, build_messages, used_articles
from deskapp.copilot.templating import render
from deskapp.copilot.triage_hook import triager_for
from deskapp.credentials import SecretStore
from deskapp.services import profile as profile_service
from deskapp.services.returns import team_zone
from deskapp.services.templates import TemplateRow, ensure_default_templates, list_templates
from deskapp.store import conversation_facts, customer_profile
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore

__all__ = ["ArticleMatch", "DraftStream", "GroundedDraft", "LLMConfig", "LLMError", "Suggestion", "SuggestionService"]

# App-wide secrets (not tied to an account) use account id 0 in the keyring.
LLM_SECRET_ACCOUNT = 0
LLM_SECRET_KIND = "llm"  # noqa: S105 - the keyring entry's name, not a secret
_KEYS = {"url": "copilot.llm.url", "model": "copilot.llm.model", "enabled": "copilot.llm.enabled",
         "timeout": "copilot.llm.timeout_s"}


@dataclass(frozen=True)
class Suggestion:
    text: str
    source: str  # "template" | "past_reply" | "article" | "llm"
    title: str  # what the panel shows as its source: template name, article title, where the reply came from
    score: float
    template_id: int | None = None
    conversation_id: int | None = None  # the past conversation a reply came from
    missing: tuple[str, ...] = ()
    url: str | None = None  # an article's public address

    @property
    def source_label(self) -> str:
        return {"template": "Template", "past_reply": "Past reply", "article": "Article",
                "llm": "AI draft"}.get(self.source, self.source)


@dataclass(frozen=True)
class GroundedDraft:
    """An LLM draft with the help-center articles it was given and those it used (linked in its text)."""

    text: str
    offered: tuple[ArticleMatch, ...] = ()
    used: tuple[ArticleMatch, ...] = ()


@dataclass
class LLMConfig:
    url: str = DEFAULT_URL
    model: str = DEFAULT_MODEL
    enabled: bool = False
    timeout_s: float = 60.0
    has_key: bool = field(default=False)


def _normal(value: str) -> str:
    return " ".join(value.split()).lower()[:160]


class SuggestionService:
    def __init__(self, db: Database, profile: ProfileStore, secrets: SecretStore | None = None, *,
                 agent_name: str | None = None) -> None:
        self.db = db
        self.profile = profile  # the agent's templates and LLM settings
        self.secrets = secrets
        self.agent_name = agent_name

    # --- suggestions ---------------------------------------------------------------------------------

    def suggest(self, conversation_id: int, *, limit: int = 3, articles: int = 2) -> list[Suggestion]:
        """Up to ``limit`` replies (templates, past replies) then up to ``articles`` help-center articles."""
        ensure_default_templates(self.profile)  # here, on the caller's worker: building the service reads nothing
        # In the order they were made (the shipped set in its own order): equal scores keep that order.
        templates = sorted((t for t in list_templates(self.db, self.profile) if t.intents),
                           key=lambda t: (t.synced, abs(t.id)))
        with self.db.read() as conn:
            conv = conversation_facts.intent(conn, conversation_id)
            if conv is None:
                return []
            (known_intent,) = conv
            latest = conversation_facts.latest_inbound_text(conn, conversation_id)
            intents: dict[str, float] = {}
            language = None
            if latest:
                triaged = triager_for(conn).triage(latest)
                intents = {k: v for k, v in triaged.scores["intent"].items() if v >= 0.15}
                language = triaged.language
            if known_intent:
                intents[known_intent] = max(intents.get(known_intent, 0.0), 0.9)
            ctx = build_context(conn, conversation_id, agent_name=self.agent_name, mention_text=latest,
                                zone=team_zone(conn))
            candidates = self._from_templates(templates, intents, ctx)
            if latest:
                for past in find_past_replies(conn, conversation_id, latest, limit=3):
                    bonus = 0.15 if past.intent and past.intent in intents else 0.0
                    candidates.append(Suggestion(
                        depersonalise(conn, past, ctx), "past_reply", "Reply sent in a similar conversation",
                        0.35 + 0.4 * past.score + bonus, conversation_id=past.conversation_id))
            found = find_articles(conn, latest, intents=intents, language=language, limit=articles) \
                if latest and articles > 0 else []
        return self._rank(candidates, limit) + [
            Suggestion(insert_text(a), "article", a.title, a.score, url=a.url) for a in found]

    def _from_templates(self, templates: list[TemplateRow], intents: dict[str, float],
                        ctx: dict[str, Any]) -> list[Suggestion]:
        if not intents:
            return []
        out = []
        for row in templates:
            weight = max((p for i, p in intents.items() if i in row.intents), default=0.0)
            if weight <= 0:
                continue
            result = render(row.body, ctx)
            if result.error or not result.text:
                continue
            # A template whose data this customer lacks (no order, no tracking yet) drops behind the others.
            penalty = 0.35 if result.missing else 0.0
            out.append(Suggestion(result.text, "template", row.name, 0.55 + 0.4 * weight - penalty,
                                  template_id=row.id, missing=tuple(result.missing)))
        return out

    @staticmethod
    def _rank(candidates: list[Suggestion], limit: int) -> list[Suggestion]:
        ranked, seen = [], set()
        for s in sorted(candidates, key=lambda s: -s.score):
            key = _normal(s.text)
            if key in seen:
                continue
            seen.add(key)
            ranked.append(s)
        top = ranked[:limit]
        # Keep one past reply in view when there is one: it is the team's own wording for cases like this.
        if top and all(s.source == "template" for s in top):
            past = next((s for s in ranked[limit:] if s.source == "past_reply" and s.score >= 0.5), None)
            if past is not None:
                top[-1] = past
        return top

    # --- LLM drafts ------------------------------------------------------------------------------------

    def llm_config(self) -> LLMConfig:
        values = profile_service.settings(self.profile, "copilot.llm.")
        has_key = False
        if self.secrets is not None:
            try:
                has_key = bool(self.secrets.get(LLM_SECRET_ACCOUNT, LLM_SECRET_KIND))
            except Exception:  # a locked keyring means "no key", not a broken panel
                has_key = False
        return LLMConfig(url=values.get(_KEYS["url"], DEFAULT_URL), model=values.get(_KEYS["model"], DEFAULT_MODEL),
                         enabled=values.get(_KEYS["enabled"], "0") == "1",
                         timeout_s=float(values.get(_KEYS["timeout"], 60.0)), has_key=has_key)

    def save_llm_config(self, *, url: str, model: str, enabled: bool, timeout_s: float = 60.0,
                        api_key: str | None = None) -> None:
        """URL and model go to the profile's settings; the key only ever to the keyring ("" removes it)."""
        if not url.startswith(("http://", "https://")):
            raise ValueError("the LLM URL must start with http:// or https://")
        profile_service.put_settings(self.db, self.profile, {
            _KEYS["url"]: url.strip(), _KEYS["model"]: model.strip() or DEFAULT_MODEL,
            _KEYS["enabled"]: "1" if enabled else "0", _KEYS["timeout"]: str(float(timeout_s))})
        if api_key is not None and self.secrets is not None:
            if api_key:
                self.secrets.set(LLM_SECRET_ACCOUNT, api_key, LLM_SECRET_KIND)
            else:
                self.secrets.delete(LLM_SECRET_ACCOUNT, LLM_SECRET_KIND)

    def llm_client(self) -> LLMClient:
        cfg = self.llm_config()
        key = self.secrets.get(LLM_SECRET_ACCOUNT, LLM_SECRET_KIND) if self.secrets is not None else None
        return LLMClient(LLMSettings(url=cfg.url, model=cfg.model, timeout_s=cfg.timeout_s), api_key=key)

    def draft_request(self, conversation_id: int, *,
                      now: datetime | None = None) -> tuple[list[dict[str, str]], list[ArticleMatch]]:
        """The LLM's messages (orders with return eligibility judged at ``now``, the best articles for the
        customer's latest message) and the articles offered in them."""
        with self.db.read() as conn:
            rows = conversation_facts.last_exchange(conn, conversation_id)
            zone = team_zone(conn)
            ctx = build_context(conn, conversation_id, agent_name=self.agent_name, zone=zone, now=now)
            cust = conversation_facts.customer_id(conn, conversation_id)
            orders = []
            if cust is not None:
                ids = customer_profile.five_newest_order_ids(conn, cust)
                orders = [order_summary(conn, oid, zone=zone, now=now) for oid in ids]
            latest = conversation_facts.latest_inbound_text(conn, conversation_id)
            articles = find_articles(conn, latest, limit=MAX_ARTICLES) if latest else []
        transcript = [("customer" if d == "in" else "agent", t) for d, t in reversed(rows)]
        templates = [s.text for s in self.suggest(conversation_id, articles=0) if s.source == "template"]
        messages = build_messages(transcript=transcript, context=ctx, orders=orders, templates=templates,
                                  articles=articles)
        return messages, articles

    def draft_messages(self, conversation_id: int, *, now: datetime | None = None) -> list[dict[str, str]]:
        return self.draft_request(conversation_id, now=now)[0]

    def grounded_draft(self, conversation_id: int, *, on_delta: Callable[[str], None] | None = None,
                       handle: DraftStream | None = None, now: datetime | None = None) -> GroundedDraft:
        """Stream an LLM draft (blocking: run it off the GUI thread) with the articles it was given and used;
        raises LLMError / LLMCancelled. The draft goes to the composer only: nothing is sent."""
        messages, articles = self.draft_request(conversation_id, now=now)
        text = self.llm_client().stream(messages, on_delta=on_delta, handle=handle)
        return GroundedDraft(text, tuple(articles), tuple(used_articles(text, articles)))

    def draft(self, conversation_id: int, *, on_delta: Callable[[str], None] | None = None,
              handle: DraftStream | None = None) -> str:
        return self.grounded_draft(conversation_id, on_delta=on_delta, handle=handle).text

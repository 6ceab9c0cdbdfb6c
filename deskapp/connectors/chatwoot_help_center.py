"""Reads a Chatwoot account's help center (portals, categories, articles) as plain-text articles for the
knowledge base: every page of every portal, bodies reduced to sanitized text, the public URL built as Chatwoot
builds it (the portal's custom domain, else the hub's address, then ``/hc/<portal>/articles/<slug>``)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import nh3

from deskapp.connectors.base import PayloadError
from deskapp.connectors.http import HttpClient, HttpStatusError
from deskapp.connectors.wire import as_int, log, text

ARTICLES_PER_PAGE = 25  # Kaminari's default page: a shorter page is the last one
MAX_PAGES = 400  # 10,000 articles: a server that never sends a short page cannot keep us walking
MAX_BODY_CHARS = 20_000  # what is kept of one article's text: enough to search and to quote from
STATUSES = frozenset({"draft", "published", "archived"})
# Content that is never text a reader sees: dropped with what it holds.
_DROP = {"script", "style", "iframe", "object", "embed", "template", "svg", "math", "noscript", "title", "head",
         "textarea", "select", "button"}
_MD_MARKS = re.compile(r"(\*\*|__|`{1,3}|^#{1,6}\s*|^\s*>\s?|!\[[^\]]*\]\([^)]*\))", re.MULTILINE)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)]*)\)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}.*$", re.MULTILINE)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


@dataclass(frozen=True)
class HelpArticle:
    """One article as the knowledge base keeps it (``body`` is plain text, never markup)."""

    portal_slug: str
    external_id: str
    slug: str
    title: str
    description: str
    body: str
    locale: str
    category: str
    status: str
    updated_at: int
    url: str


@dataclass(frozen=True)
class HelpCenterPull:
    articles: list[HelpArticle]
    portals: list[str]
    skipped: int  # article entries that could not be read (logged)
    failed_portals: list[str]  # portals whose articles could not be listed (logged): their cache rows stay


def plain_text(content: Any) -> str:
    """An article body (Markdown with HTML in it, as Chatwoot's editor stores it) as plain text: the HTML is
    cleaned by nh3 with no tag allowed (script and style dropped with their content), then Markdown marks go."""
    if not isinstance(content, str):
        return ""
    cleaned = nh3.clean(content[:MAX_BODY_CHARS * 2], tags=set(), clean_content_tags=_DROP, attributes={})
    out = _tables_as_sentences(html.unescape(cleaned))
    out = _MD_LINK.sub(r"\1", out)
    out = _MD_MARKS.sub("", out).replace("|", " ")
    out = _SPACES.sub(" ", out)
    out = _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in out.splitlines()))
    return out.strip()[:MAX_BODY_CHARS]


def _tables_as_sentences(markdown: str) -> str:
    """Markdown table rows as sentences that keep their headers ("Germany: Standard 3-5 days, Express 2."), so an
    excerpt of one row still says what its numbers are."""
    out: list[str] = []
    header: list[str] | None = None
    for line in markdown.splitlines():
        stripped = line.strip()
        if not (stripped.startswith("|") and stripped.count("|") >= 2):
            header = None
            out.append(line)
            continue
        if _TABLE_RULE.fullmatch(stripped):
            continue
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if header is None:
            header = cells
            continue
        pairs = [f"{h} {v}".strip() for h, v in zip(header[1:], cells[1:], strict=False) if v]
        out.append(f"{cells[0]}: {', '.join(pairs)}." if pairs else f"{cells[0]}.")
    return "\n".join(out)


def article_url(base_url: str, portal: dict[str, Any], slug: str) -> str:
    """The public address as buildPortalArticleURL makes it: ``https://<custom domain>`` (else the hub's
    address) + ``/hc/<portal>/articles/<slug>``."""
    domain = text(portal.get("custom_domain")).strip()
    if domain:
        root = domain.rstrip("/") if domain.startswith(("http://", "https://")) else "https://" + domain.rstrip("/")
    else:
        root = base_url.rstrip("/")
    return f"{root}/hc/{portal['slug']}/articles/{slug}"


def _payload(body: Any, what: str) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("payload"), list):
        raise PayloadError(f"{what}: expected an object with a payload list")
    return body["payload"]


def _article(raw: Any, portal: dict[str, Any], base_url: str) -> HelpArticle:
    if not isinstance(raw, dict):
        raise PayloadError(f"article is a {type(raw).__name__}, not an object")
    ident, slug, title = raw.get("id"), text(raw.get("slug")).strip(), text(raw.get("title")).strip()
    if ident is None or not slug or not title:
        raise PayloadError("article without id, slug or title")
    status = text(raw.get("status"))
    if status not in STATUSES:
        raise PayloadError(f"article {ident}: unknown status {status[:20]!r}")
    found = raw.get("category")
    category: dict[str, Any] = found if isinstance(found, dict) else {}
    locale = text(raw.get("locale") or category.get("locale") or "").strip()[:10]
    return HelpArticle(portal_slug=portal["slug"], external_id=str(ident), slug=slug, title=title[:300],
                       description=plain_text(raw.get("description"))[:500], body=plain_text(raw.get("content")),
                       locale=locale, category=text(category.get("name"))[:120], status=status,
                       updated_at=as_int(raw.get("updated_at")), url=article_url(base_url, portal, slug))


def pull_help_center(http: HttpClient, prefix: str) -> HelpCenterPull:
    """Every article of every portal of the account (``prefix`` is ``/api/v1/accounts/<id>``). A portal whose
    list fails (404, a malformed page) is reported, not fatal; auth and network errors propagate."""
    portals = [p for p in _payload(http.json("GET", f"{prefix}/portals"), "portals")
               if isinstance(p, dict) and text(p.get("slug"))]
    articles: list[HelpArticle] = []
    skipped, failed = 0, []
    for portal in portals:
        portal = {**portal, "slug": text(portal["slug"])}
        found: list[HelpArticle] = []
        try:
            for page in range(1, MAX_PAGES + 1):
                rows = _payload(http.json("GET", f"{prefix}/portals/{portal['slug']}/articles",
                                          params={"page": page}), f"articles of {portal['slug']}")
                for raw in rows:
                    try:
                        found.append(_article(raw, portal, http.base_url))
                    except PayloadError as exc:
                        skipped += 1
                        log.warning("help center %s: skipped an article: %s", portal["slug"], exc)
                if len(rows) < ARTICLES_PER_PAGE:
                    break
        except (HttpStatusError, PayloadError) as exc:
            log.warning("help center %s: articles could not be listed: %s", portal["slug"], exc)
            failed.append(portal["slug"])
            continue
        articles.extend(found)
    return HelpCenterPull(articles, [text(p["slug"]) for p in portals], skipped, failed)


__all__ = ["HelpArticle", "HelpCenterPull", "article_url", "plain_text", "pull_help_center"]

"""The knowledge base's cache rows for services.knowledge: replace a portal's synced articles, and find
published articles by an FTS5 query over their title, description and body (bm25, title weighted most)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

_COLUMNS = ("portal_slug", "external_id", "slug", "title", "description", "body", "locale", "category", "status",
            "url", "updated_at")


@dataclass(frozen=True)
class ArticleRow:
    id: int
    title: str
    description: str
    body: str
    locale: str
    category: str
    url: str
    score: float  # bm25: lower (more negative) is better


def replace_portal(conn: Connection, account_id: int, portal_slug: str, articles: Iterable[dict[str, Any]],
                   now: int) -> int:
    """The portal's rows become exactly ``articles`` (dicts with _COLUMNS): upserted by the hub's id, the
    ones the hub no longer lists deleted. Returns how many rows the portal holds now."""
    keep: list[str] = []
    for art in articles:
        keep.append(art["external_id"])
        values = {c: art[c] for c in _COLUMNS}
        conn.execute(text(
            "INSERT INTO help_article (account_id, " + ", ".join(_COLUMNS) + ", synced_at)"
            " VALUES (:account_id, " + ", ".join(":" + c for c in _COLUMNS) + ", :now)"
            " ON CONFLICT (account_id, portal_slug, external_id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[2:]) + ", synced_at = excluded.synced_at"
            " WHERE help_article.updated_at != excluded.updated_at OR help_article.status != excluded.status"
            " OR help_article.url != excluded.url OR help_article.body != excluded.body"),
            {"account_id": account_id, "now": now, **values})
    held = conn.execute(text("SELECT id, external_id FROM help_article WHERE account_id = :a AND portal_slug = :p"),
                        {"a": account_id, "p": portal_slug}).all()
    wanted = set(keep)
    gone = [row.id for row in held if row.external_id not in wanted]
    for row_id in gone:
        conn.execute(text("DELETE FROM help_article WHERE id = :i"), {"i": row_id})
    return len(held) - len(gone)


def drop_portals_except(conn: Connection, account_id: int, portal_slugs: Sequence[str]) -> int:
    """Removes the articles of portals the hub no longer has; returns how many rows went."""
    held = conn.execute(text("SELECT DISTINCT portal_slug FROM help_article WHERE account_id = :a"),
                        {"a": account_id}).scalars().all()
    removed = 0
    for slug in held:
        if slug not in portal_slugs:
            removed += conn.execute(text("DELETE FROM help_article WHERE account_id = :a AND portal_slug = :p"),
                                    {"a": account_id, "p": slug}).rowcount
    return removed


def matching_published(conn: Connection, query: str, *, limit: int) -> list[ArticleRow]:
    """Published articles matching the FTS5 ``query``, best first (title hits count ten times a body hit)."""
    rows = conn.execute(text(
        "WITH hits AS (SELECT rowid AS id, bm25(help_article_fts, 10.0, 4.0, 1.0) AS s FROM help_article_fts"
        " WHERE help_article_fts MATCH :q ORDER BY s LIMIT :scan)"
        " SELECT a.id, a.title, a.description, a.body, a.locale, a.category, a.url, h.s FROM hits h"
        " JOIN help_article a ON a.id = h.id WHERE a.status = 'published' ORDER BY h.s LIMIT :n"),
        {"q": query, "scan": limit * 4, "n": limit}).all()
    return [ArticleRow(*row) for row in rows]


def published_count(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM help_article WHERE status = 'published'")).scalar() or 0)


def published_texts(conn: Connection) -> list[tuple[int, str]]:
    """(id, title + description) of every published article: what an embedding reads (the question an article
    answers is its title; the body's details blur its meaning)."""
    rows = conn.execute(text("SELECT id, title || '. ' || description"
                             " FROM help_article WHERE status = 'published' ORDER BY id")).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def by_ids(conn: Connection, ids: Sequence[int]) -> list[ArticleRow]:
    if not ids:
        return []
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    rows = conn.execute(text(
        f"SELECT id, title, description, body, locale, category, url, 0.0 FROM help_article WHERE id IN ({marks})"
        " AND status = 'published'"), {f"i{n}": v for n, v in enumerate(ids)}).all()
    order = {v: n for n, v in enumerate(ids)}
    return sorted((ArticleRow(*row) for row in rows), key=lambda r: order[r.id])


def articles_revision(conn: Connection) -> tuple[int, int, int]:
    """(row count, newest sync time, sum of the hub's update times): changes whenever a sync changed the
    table, also twice within one second, for in-memory caches."""
    row = conn.execute(text("SELECT count(*), coalesce(max(synced_at), 0), coalesce(sum(updated_at), 0)"
                            " FROM help_article")).one()
    return int(row[0]), int(row[1]), int(row[2])

"""Reading a help center: pages until a short one, bodies as sanitized text, bad entries and portals set aside."""

from __future__ import annotations

import pytest

from deskapp.connectors.base import PayloadError
from deskapp.connectors.chatwoot_help_center import article_url, plain_text, pull_help_center
from tests.connectors.scripted_server import Reply

PREFIX = "/api/v1/accounts/1"


def _article(n: int, **over) -> dict:
    return {"id": n, "slug": f"170000-article-{n}", "title": f"Article {n}", "content": f"Body **{n}**",
            "description": "", "status": "published", "locale": "en", "updated_at": 1_700_000_000 + n,
            "category": {"id": 1, "name": "Shipping", "slug": "shipping", "locale": "en"}, **over}


def _portal(slug: str, domain: str | None = None) -> dict:
    return {"id": 1, "slug": slug, "name": slug, "custom_domain": domain, "archived": False}


def test_walks_every_page_until_a_short_one(server, make_http):
    server.script("GET", PREFIX + "/portals", Reply(body={"payload": [_portal("help")], "meta": {}}))
    server.script("GET", PREFIX + "/portals/help/articles",
                  lambda seen: Reply(body={"payload": [_article(n) for n in range(1, 26)]} if seen.arg("page") == "1"
                                     else {"payload": [_article(26)]}))
    pulled = pull_help_center(make_http(), PREFIX)
    assert len(pulled.articles) == 26 and pulled.skipped == 0 and pulled.failed_portals == []
    assert [s.arg("page") for s in server.requests_to(PREFIX + "/portals/help/articles")] == ["1", "2"]
    art = pulled.articles[0]
    assert art.body == "Body 1" and art.category == "Shipping"
    assert art.url == f"{server.url}/hc/help/articles/{art.slug}"


def test_hostile_html_in_an_article_becomes_harmless_text():
    hostile = ('<script>steal(document.cookie)</script><style>body{display:none}</style>Free returns '
               '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">within 30 days</a>'
               '<iframe src="https://evil.example"></iframe>&lt;b&gt; [label](javascript:x)\n## Heading')
    out = plain_text(hostile)
    assert "Free returns" in out and "within 30 days" in out and "label" in out and "Heading" in out
    for bad in ("steal", "display:none", "onerror", "javascript", "<img", "<a ", "evil.example", "##", "<script"):
        assert bad not in out
    assert plain_text(None) == "" and plain_text({"html": "x"}) == ""
    assert len(plain_text("word " * 100_000)) <= 20_000


def test_a_table_row_keeps_its_headers_so_an_excerpt_of_it_still_makes_sense():
    table = "Times:\n\n| Destination | Standard | Express |\n|---|:---:|---|\n| Germany | 3-5 days | 2 |\n| Mars | | |"
    assert plain_text(table) == "Times:\n\nGermany: Standard 3-5 days, Express 2.\nMars."


def test_malformed_articles_are_skipped_and_the_rest_kept(server, make_http, caplog):
    rows = ["not an article", None, _article(1), _article(2, slug=""), _article(3, title=None),
            _article(4, status="secret"), _article(5, content=["no", "text"]), {"id": 6}]
    server.script("GET", PREFIX + "/portals", Reply(body={"payload": [_portal("help")]}))
    server.script("GET", PREFIX + "/portals/help/articles", Reply(body={"payload": rows}))
    pulled = pull_help_center(make_http(), PREFIX)
    assert [a.external_id for a in pulled.articles] == ["1", "5"] and pulled.skipped == 6
    assert pulled.articles[1].body == ""
    assert "skipped an article" in caplog.text


def test_a_missing_portal_is_reported_and_the_others_still_read(server, make_http):
    portals = [_portal("gone"), _portal("help", "help.shop.example")]
    server.script("GET", PREFIX + "/portals", Reply(body={"payload": portals}))
    server.script("GET", PREFIX + "/portals/gone/articles", Reply(404, {"error": "Resource could not be found"}))
    server.script("GET", PREFIX + "/portals/help/articles", Reply(body={"payload": [_article(1)]}))
    pulled = pull_help_center(make_http(max_attempts=1), PREFIX)
    assert pulled.failed_portals == ["gone"] and pulled.portals == ["gone", "help"]
    assert pulled.articles[0].url == "https://help.shop.example/hc/help/articles/170000-article-1"


def test_a_portal_list_that_is_not_one_is_an_error(server, make_http):
    server.script("GET", PREFIX + "/portals", Reply(body={"payload": {"help": 1}}))
    with pytest.raises(PayloadError):
        pull_help_center(make_http(), PREFIX)


def test_article_urls_follow_the_custom_domain_as_chatwoot_builds_them():
    assert article_url("http://hub:3000/", {"slug": "kb"}, "1-a") == "http://hub:3000/hc/kb/articles/1-a"
    assert article_url("http://hub", {"slug": "kb", "custom_domain": "docs.example"}, "1-a") \
        == "https://docs.example/hc/kb/articles/1-a"
    assert article_url("http://hub", {"slug": "kb", "custom_domain": "http://docs.example/"}, "1-a") \
        == "http://docs.example/hc/kb/articles/1-a"

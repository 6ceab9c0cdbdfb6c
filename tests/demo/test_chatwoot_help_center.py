"""The demo hub's help center answers as Chatwoot's portals, categories and articles endpoints do."""

from __future__ import annotations

from deskapp.demo.chatwoot_help_center import ARTICLES_PER_PAGE, help_center


def test_portals_list_the_help_center_with_its_locales_and_counts(client):
    body = client.get(client.acc + "/portals").json()
    assert body["meta"] == {"current_page": 1, "portals_count": 1}
    (portal,) = body["payload"]
    assert portal["slug"] == "help" and portal["custom_domain"] is None and portal["archived"] is False
    assert [loc["code"] for loc in portal["config"]["allowed_locales"]] == ["en", "de", "fr"]
    meta = portal["meta"]
    assert meta["published_count"] + meta["draft_articles_count"] + meta["archived_articles_count"] \
        == meta["all_articles_count"] > ARTICLES_PER_PAGE
    assert client.get(client.acc + "/portals/help").json()["slug"] == "help"


def test_articles_come_25_a_page_newest_update_first_and_the_pages_cover_all(client):
    first = client.get(client.acc + "/portals/help/articles").json()
    second = client.get(client.acc + "/portals/help/articles", page=2).json()
    third = client.get(client.acc + "/portals/help/articles", page=3).json()
    assert len(first["payload"]) == ARTICLES_PER_PAGE and 0 < len(second["payload"]) < ARTICLES_PER_PAGE
    assert third["payload"] == []
    rows = first["payload"] + second["payload"]
    assert len({a["id"] for a in rows}) == first["meta"]["all_articles_count"] == len(rows)
    assert [a["updated_at"] for a in rows] == sorted((a["updated_at"] for a in rows), reverse=True)
    assert first["meta"]["current_page"] == 1 and second["meta"]["current_page"] == "2"  # params[:page] as sent
    art = rows[0]
    assert {"id", "slug", "title", "content", "description", "status", "locale", "category", "author",
            "updated_at", "views", "associated_articles"} <= set(art)
    assert set(art["category"]) == {"id", "name", "slug", "locale"}
    assert {a["status"] for a in rows} == {"draft", "published", "archived"}


def test_filters_by_status_locale_and_category(client):
    published = client.get(client.acc + "/portals/help/articles", status="published").json()["payload"]
    assert published and {a["status"] for a in published} == {"published"}
    german = client.get(client.acc + "/portals/help/articles", locale="de").json()["payload"]
    assert german and {a["locale"] for a in german} == {"de"}
    shipping = client.get(client.acc + "/portals/help/articles", category_slug="shipping").json()["payload"]
    assert [a["position"] for a in shipping] == sorted(a["position"] for a in shipping)
    assert {a["category"]["slug"] for a in shipping} == {"shipping"}
    categories = client.get(client.acc + "/portals/help/categories", locale="fr").json()
    assert [c["slug"] for c in categories["payload"]] == ["livraison", "retours"]


def test_an_unknown_portal_or_article_is_a_404_and_an_unknown_status_a_500(client):
    for path in ("/portals/nope", "/portals/nope/articles", "/portals/nope/categories", "/portals/help/articles/999"):
        answer = client.get(client.acc + path)
        assert answer.status_code == 404 and answer.json() == {"error": "Resource could not be found"}
    assert client.get(client.acc + "/portals/help/articles", status="hidden").status_code == 500


def test_an_article_shows_by_id_and_its_slug_follows_chatwoot(demo, client):
    center = help_center(demo.state)
    first = center.articles[0]
    shown = client.get(client.acc + f"/portals/help/articles/{first['id']}").json()["payload"]
    assert shown["title"] == first["title"]
    stamp, _, words = shown["slug"].partition("-")
    assert stamp.isdigit() and words == "how-long-does-shipping-take"

"""The knowledge base: the hub's help center synced into the cache over loopback, then found offline."""

from __future__ import annotations

import logging

import pytest

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.copilot.knowledge import find_articles
from deskapp.copilot.triage_hook import triage_applied
from deskapp.demo.chatwoot_help_center import help_center
from deskapp.demo.server import DemoServer
from deskapp.services.knowledge import HelpCenterSync, sync_help_center
from deskapp.services.suggestions import SuggestionService
from deskapp.store.ingest import AppliedChanges
from tests.connectors.scripted_server import Reply, ScriptedServer
from tests.copilot.helpers import add_account, add_conversation, add_customer, add_message
from tests.demo.conftest import PINNED_NOW


@pytest.fixture
def hub():
    srv = DemoServer(seed=3, scale="small", live=False, now=PINNED_NOW)
    srv.start()
    yield srv
    srv.stop()


def _connector(hub: DemoServer) -> ChatwootConnector:
    info = hub.info()
    return ChatwootConnector(info["url"], info["chatwoot_account_id"], info["chatwoot_token"])


@pytest.fixture
def synced(db, hub):
    with db.write() as conn:
        add_account(conn)
    conn_ = _connector(hub)
    summary = sync_help_center(db, 1, conn_.http, conn_.prefix, now=PINNED_NOW)
    return db, hub, summary


def _ask(db, profile, text: str, external_id: str = "c-ask"):
    with db.write() as conn:
        customer = add_customer(conn, "Jonas Weber", "jonas@example.com")
        conv = add_conversation(conn, external_id, customer, subject="Question")
        msg = add_message(conn, conv, "in", text)
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=[msg]))
    return SuggestionService(db, profile).suggest(conv)


def test_a_knowledge_article_is_suggested_for_the_question_it_answers_offline(synced, profile):
    db, hub, summary = synced
    assert summary.portals == ["help"] and summary.published == 28 and summary.skipped == 0
    hub.set_faults(outage=True)  # from here on the hub answers 503 to everything
    suggestions = _ask(db, profile, "Hi, how long does shipping to Germany take?")
    articles = [s for s in suggestions if s.source == "article"]
    assert articles and articles[0].title == "How long does shipping take?"
    best = articles[0]
    assert best.source_label == "Article" and best.url.startswith(hub.url + "/hc/help/articles/")
    assert best.url.endswith("-how-long-does-shipping-take") and best.url in best.text
    assert "Germany" in best.text and len(best.text) < 400  # a link with a short excerpt, not the whole article
    assert any(s.source == "template" for s in suggestions)  # beside the replies, not instead of them


@pytest.mark.parametrize(("question", "title"), [
    ("I'd like to send back the shoes I bought, how do I return them?", "How do I return an item?"),
    ("my card got declined at checkout", "Why was my payment declined?"),
    ("forgot my password and can't log in", "Resetting your password"),
    ("Wie lange dauert die Lieferung nach Deutschland?", "Wie lange dauert der Versand nach Deutschland?"),
    ("Combien de temps prend la livraison ?", "Quels sont les délais de livraison ?"),
])
def test_each_topic_finds_its_article_in_the_customers_language(synced, question, title):
    db, *_ = synced
    with db.read() as conn:
        from deskapp.copilot.language import detect

        found = find_articles(conn, question, language=detect(question), limit=2)
    assert found and found[0].title == title


def test_drafts_and_archived_articles_are_never_suggested(synced):
    db, *_ = synced
    with db.read() as conn:
        holiday = find_articles(conn, "holiday shipping deadlines december", limit=5)
        old = find_articles(conn, "old 60-day returns policy", limit=5)
    titles = [a.title for a in holiday + old]
    assert "Holiday shipping deadlines" not in titles and not any("60-day" in t for t in titles)


def test_a_resync_follows_the_hub_unpublished_edited_and_removed_articles(synced):
    db, hub, _ = synced
    center = help_center(hub.state)
    payment = next(a for a in center.articles if a["title"] == "Why was my payment declined?")
    payment["status"] = "archived"
    center.articles = [a for a in center.articles if a["title"] != "Resetting your password"]
    sizes = next(a for a in center.articles if a["title"] == "Size guide for clothing")
    sizes["content"] = "Our clothing now runs small: <script>evil()</script>take **one size up**."
    sizes["updated_at"] += 60
    conn_ = _connector(hub)
    summary = sync_help_center(db, 1, conn_.http, conn_.prefix, now=PINNED_NOW + 3600)
    assert summary.articles == 29 and summary.published == 26
    with db.read() as conn:
        assert not find_articles(conn, "my card got declined", limit=1) or \
            find_articles(conn, "my card got declined", limit=1)[0].title != "Why was my payment declined?"
        assert all(a.title != "Resetting your password" for a in find_articles(conn, "reset my password", limit=3))
        body = conn.exec_driver_sql("SELECT body FROM help_article WHERE title = 'Size guide for clothing'").scalar()
    assert body == "Our clothing now runs small: take one size up."


def test_a_portal_that_fails_keeps_its_cached_articles(synced):
    db, *_ = synced
    scripted = ScriptedServer().start()
    try:
        prefix = "/api/v1/accounts/3"
        scripted.script("GET", prefix + "/portals", Reply(body={"payload": [{"id": 1, "slug": "help"}]}))
        scripted.script("GET", prefix + "/portals/help/articles", Reply(404, {"error": "Resource could not be found"}))
        from deskapp.connectors.http import HttpClient

        http = HttpClient(scripted.url, {}, max_attempts=1)
        summary = sync_help_center(db, 1, http, prefix, now=PINNED_NOW + 60)
        http.close()
    finally:
        scripted.stop()
    assert summary.failed_portals == ["help"] and summary.published == 28
    with db.read() as conn:
        assert find_articles(conn, "how long does shipping to Germany take", limit=1)


def test_the_before_pull_step_syncs_now_and_then_and_never_stops_the_pull(db, hub, caplog):
    with db.write() as conn:
        add_account(conn)
    clock = [float(PINNED_NOW)]
    step = HelpCenterSync(db, every_s=1800, clock=lambda: clock[0])
    step(1, object())  # not a Chatwoot account: nothing to do
    hub.set_faults(outage=True)
    with caplog.at_level(logging.WARNING):
        step(1, _connector(hub))  # the hub is down: logged, and tried again five minutes later
    assert "not synced" in caplog.text and 1 not in step.last_summary
    hub.set_faults(outage=False)
    clock[0] += 60
    step(1, _connector(hub))
    assert 1 not in step.last_summary
    clock[0] += 240
    step(1, _connector(hub))
    assert step.last_summary[1].published == 28
    before = hub.state.requests.copy()
    clock[0] += 600
    step(1, _connector(hub))  # within the interval: no request at all
    assert hub.state.requests == before


@pytest.mark.parametrize("chatter", ["Thank you so much, have a nice day!", "ok", "asdf qwer",
                                     "Your product is great, love it", "x" * 50_000])
def test_messages_no_article_answers_get_none(synced, chatter):
    db, *_ = synced
    with db.read() as conn:
        assert find_articles(conn, chatter, limit=2) == []

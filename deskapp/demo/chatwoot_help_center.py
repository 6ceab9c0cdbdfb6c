"""The demo hub's help center: one portal with categories and articles in three locales, served as Chatwoot's
portals, categories and articles API answers them (PortalsController, CategoriesController, ArticlesController
and their jbuilder views: ``payload`` + ``meta``, 25 articles a page, newest update first)."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from deskapp.demo.chatwoot_common import Answer, ApiError, param, ruby_int
from deskapp.demo.chatwoot_json import agent_json
from deskapp.demo.state import DemoState

ARTICLES_PER_PAGE = 25  # Kaminari's default: the articles index pages without a per_page parameter
PORTAL_SLUG = "help"
_STATUSES = ("draft", "published", "archived")

# (slug, locale, name, description)
_CATEGORIES = [
    ("shipping", "en", "Shipping & delivery", "Delivery times, costs, tracking and customs"),
    ("returns", "en", "Returns & refunds", "Sending something back and getting your money"),
    ("sizing", "en", "Sizing", "Finding the right fit"),
    ("payments", "en", "Payments", "Ways to pay, declined cards, invoices"),
    ("account", "en", "Your account", "Sign-in, details and privacy"),
    ("versand", "de", "Versand & Lieferung", "Lieferzeiten, Kosten und Sendungsverfolgung"),
    ("rueckgabe", "de", "Rückgabe & Erstattung", "Artikel zurücksenden"),
    ("livraison", "fr", "Livraison", "Délais et frais de livraison"),
    ("retours", "fr", "Retours", "Renvoyer un article"),
]

# (category slug, status, title, description, content in Markdown as Chatwoot's editor stores it)
ARTICLE_TEXTS: list[tuple[str, str, str, str, str]] = [
    ("shipping", "published", "How long does shipping take?", "Delivery times by country",
     "We pack every order within **1 business day**. Delivery then takes:\n\n"
     "| Destination | Standard | Express |\n|---|---|---|\n| United States | 3-5 business days | 1-2 |\n"
     "| Germany, Austria, Netherlands | 3-5 business days | 2 |\n| Rest of the EU | 4-7 business days | 2-3 |\n"
     "| United Kingdom | 5-8 business days | 3 |\n| Rest of the world | 7-14 business days | 4-5 |\n\n"
     "Shipping to Germany and the rest of the EU leaves from our EU warehouse, so there are no customs delays."),
    ("shipping", "published", "Shipping costs and free shipping", "What delivery costs",
     "Standard shipping is free on orders over $50 (or €50). Below that it costs $4.90 in the US and €5.90 in "
     "the EU. Express shipping costs $14.90 / €14.90 wherever you are."),
    ("shipping", "published", "Tracking your parcel", "Where is my order?",
     "As soon as your parcel leaves the warehouse you get an email with a **tracking link**. Tracking can take "
     "up to 24 hours to show the first scan. If it has not moved for 5 business days, write to us and we will "
     "chase the carrier."),
    ("shipping", "published", "Customs, import duties and taxes", "Parcels held at customs",
     "Orders to the US and the EU are shipped duties paid: you never pay anything at the door. Parcels to the UK,"
     " Switzerland and Norway may be held at customs for 2-5 days and the carrier may ask for import VAT."),
    ("shipping", "published", "Changing the delivery address", "Wrong address on an order",
     "We can change the address until the order is packed (usually within 1 business day). After that, ask the "
     "carrier to redirect it from the tracking page."),
    ("shipping", "published", "My parcel is marked as delivered but I don't have it", "Missing parcels",
     "Check with neighbours and your building's mailroom, then wait one more business day: carriers sometimes "
     "scan a parcel early. If it still has not arrived, tell us and we will open a claim and reship."),
    ("returns", "published", "How do I return an item?", "Our 30-day returns",
     "You can return unworn items in their original packaging **within 30 days of delivery**.\n\n"
     "1. Open your order from the confirmation email and choose *Return items*.\n"
     "2. Print the prepaid label (free in the US and EU).\n3. Drop the parcel at any carrier point.\n\n"
     "Final-sale items and gift cards cannot be returned."),
    ("returns", "published", "When will I get my refund?", "Refund timing",
     "We refund within 3 business days of receiving your return, to the original payment method. Your bank may "
     "take another 5-10 business days to show it."),
    ("returns", "published", "Exchanging an item for another size or colour", "Exchanges",
     "Exchanges are free: start a return and pick *Exchange* instead of *Refund*. We send the new item as soon "
     "as your return is scanned by the carrier."),
    ("returns", "published", "Damaged or wrong item received", "Something arrived broken",
     "Sorry about that! Send us a photo of the item and the packaging within 14 days of delivery and we will "
     "send a replacement or refund you in full; you do not need to return the damaged item."),
    ("sizing", "published", "Size guide for clothing", "Finding your size",
     "Our clothing runs true to size. Measure your chest and waist and compare with the size chart on each "
     "product page. Between two sizes? Take the larger one for a relaxed fit."),
    ("sizing", "published", "Shoe sizes and conversions", "EU, US and UK shoe sizes",
     "Shoes are listed in EU sizes with the US and UK equivalents. Our shoes fit narrow: if you have wide feet, "
     "go half a size up."),
    ("payments", "published", "Which payment methods do you accept?", "Ways to pay",
     "We accept Visa, Mastercard, American Express, PayPal, Apple Pay, Google Pay and, in Germany and the "
     "Netherlands, Klarna and iDEAL."),
    ("payments", "published", "Why was my payment declined?", "Declined cards",
     "Most declines come from the bank: a billing address that does not match, 3-D Secure not completed, or a "
     "daily limit. Try again or use another method; we never charge a declined attempt."),
    ("payments", "published", "Getting an invoice with VAT", "Invoices",
     "Every order confirmation includes a PDF invoice with VAT. For a company invoice with your VAT number, "
     "reply to the confirmation email with your company details."),
    ("payments", "published", "Using a discount code or gift card", "Discounts",
     "Enter the code at checkout in the *Discount code or gift card* field. One discount code per order; gift "
     "cards can be combined with a discount."),
    ("account", "published", "Resetting your password", "Can't sign in",
     "Choose *Forgot password* on the sign-in page and follow the link we email you. The link works for 2 hours."
     " No email? Check your spam folder."),
    ("account", "published", "Changing your email address or details", "Account details",
     "Sign in and open *Account settings* to change your name, email address, saved addresses and newsletter "
     "preferences."),
    ("account", "published", "Deleting your account and data", "Privacy",
     "Write to us from the email address of your account and we delete your account and personal data within "
     "30 days, keeping only invoices the law requires us to keep."),
    ("account", "published", "Cancelling or changing an order", "Cancel an order",
     "Orders can be cancelled or changed until they are packed, usually within 1 business day. After that, "
     "return the items once they arrive."),
    ("versand", "published", "Wie lange dauert der Versand nach Deutschland?", "Lieferzeiten",
     "Wir verpacken jede Bestellung innerhalb von **1 Werktag**. Die Lieferung nach Deutschland dauert "
     "3-5 Werktage (Express: 2 Werktage). Der Versand ist ab 50 € kostenlos."),
    ("versand", "published", "Sendungsverfolgung", "Wo ist meine Bestellung?",
     "Sobald das Paket unser Lager verlässt, erhalten Sie eine E-Mail mit dem Tracking-Link."),
    ("rueckgabe", "published", "Wie sende ich einen Artikel zurück?", "30 Tage Rückgabe",
     "Sie können ungetragene Artikel **innerhalb von 30 Tagen** nach Lieferung kostenlos zurücksenden."),
    ("rueckgabe", "published", "Wann erhalte ich meine Erstattung?", "Erstattung",
     "Wir erstatten innerhalb von 3 Werktagen nach Eingang Ihrer Rücksendung."),
    ("livraison", "published", "Quels sont les délais de livraison ?", "Délais",
     "Nous préparons chaque commande en 1 jour ouvré. La livraison en France prend 3 à 5 jours ouvrés."),
    ("livraison", "published", "Suivre mon colis", "Suivi",
     "Dès que votre colis quitte l'entrepôt, vous recevez un e-mail avec le lien de suivi."),
    ("retours", "published", "Comment retourner un article ?", "Retours sous 30 jours",
     "Vous pouvez retourner un article non porté dans les 30 jours suivant la livraison."),
    ("retours", "published", "Quand serai-je remboursé ?", "Remboursement",
     "Nous remboursons sous 3 jours ouvrés après réception de votre retour."),
    ("shipping", "draft", "Holiday shipping deadlines", "Order by December 18",
     "Order by **December 18** for delivery before the holidays (draft, not yet checked with the carriers)."),
    ("returns", "archived", "How do I return an item? (old 60-day policy)", "Old returns policy",
     "You can return items within 60 days of delivery. This policy ended last year."),
]
_PARAMETERIZE = re.compile(r"[^a-z0-9]+")


@dataclass
class HelpCenter:
    portal: dict[str, Any]
    categories: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)


_CENTERS: weakref.WeakKeyDictionary[DemoState, HelpCenter] = weakref.WeakKeyDictionary()


def _slug(created: int, title: str) -> str:
    # Article#ensure_article_slug: "<unix time>-<title parameterized>"
    return f"{created}-" + _PARAMETERIZE.sub("-", title.lower()).strip("-")


def help_center(state: DemoState) -> HelpCenter:
    """The state's help center, built once from the fixed texts above with times before the hub's start."""
    center = _CENTERS.get(state)
    if center is not None:
        return center
    portal = {"id": 1, "slug": PORTAL_SLUG, "name": "Help Center", "custom_domain": None, "color": "#1f93ff",
              "header_text": "How can we help?", "homepage_link": None, "page_title": "Help Center",
              "archived": False, "default_locale": "en", "locales": ["en", "de", "fr"]}
    center = HelpCenter(portal)
    ids = {}
    for position, (slug, locale, name, description) in enumerate(_CATEGORIES, start=1):
        ids[slug] = position
        center.categories.append({"id": position, "slug": slug, "locale": locale, "name": name,
                                  "description": description, "position": position * 10})
    by_slug = {c["slug"]: c for c in center.categories}
    author = state.world.agents[0]
    for n, (cat, status, title, description, content) in enumerate(ARTICLE_TEXTS, start=1):
        created = state.started - (400 - n * 7) * 86400
        category = by_slug[cat]
        center.articles.append({
            "id": n, "slug": _slug(created, title), "title": title, "content": content, "description": description,
            "status": status, "position": n * 10, "locale": category["locale"], "category_id": category["id"],
            "created_at": created, "updated_at": created + (n % 5) * 3600, "views": (n * 37) % 400,
            "author_id": author["id"]})
    _CENTERS[state] = center
    return center


def _portal(state: DemoState, slug: str) -> HelpCenter:
    center = help_center(state)
    if slug != center.portal["slug"]:
        raise ApiError.not_found()  # Current.account.portals.find_by!(slug:)
    return center


def _portal_json(state: DemoState, center: HelpCenter) -> dict[str, Any]:
    p, arts = center.portal, center.articles
    return {
        "id": p["id"], "color": p["color"], "custom_domain": p["custom_domain"], "header_text": p["header_text"],
        "homepage_link": p["homepage_link"], "name": p["name"], "page_title": p["page_title"], "slug": p["slug"],
        "archived": p["archived"], "account_id": state.account_id,
        "config": {"allowed_locales": [{"code": code, "articles_count": sum(a["locale"] == code for a in arts),
                                        "categories_count": sum(c["locale"] == code for c in center.categories)}
                                       for code in p["locales"]],
                   "default_locale": p["default_locale"]},
        "meta": {"all_articles_count": len(arts),
                 "archived_articles_count": sum(a["status"] == "archived" for a in arts),
                 "published_count": sum(a["status"] == "published" for a in arts),
                 "draft_articles_count": sum(a["status"] == "draft" for a in arts),
                 "categories_count": len(center.categories), "default_locale": p["default_locale"]},
    }


def _category_json(state: DemoState, c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "name": c["name"], "slug": c["slug"], "locale": c["locale"],
            "description": c["description"], "position": c["position"], "account_id": state.account_id,
            "linked_categories": []}


def _article_json(state: DemoState, center: HelpCenter, a: dict[str, Any]) -> dict[str, Any]:
    category = next(c for c in center.categories if c["id"] == a["category_id"])
    return {
        "id": a["id"], "slug": a["slug"], "title": a["title"], "content": a["content"],
        "description": a["description"], "status": a["status"], "position": a["position"],
        "account_id": state.account_id, "updated_at": a["updated_at"], "meta": {}, "locale": a["locale"],
        "associated_article_id": None,
        "category": {"id": category["id"], "name": category["name"], "slug": category["slug"],
                     "locale": category["locale"]},
        "views": a["views"], "author": agent_json(state, state.agent(a["author_id"])), "associated_articles": [],
    }


def portals(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    center = help_center(state)
    return 200, {"payload": [_portal_json(state, center)], "meta": {"current_page": 1, "portals_count": 1}}


def portal_show(state: DemoState, me: int, q: dict, body: Any, portal: str) -> Answer:
    return 200, _portal_json(state, _portal(state, portal))


def categories(state: DemoState, me: int, q: dict, body: Any, portal: str) -> Answer:
    center = _portal(state, portal)
    locale = param(q, "locale")
    rows = [c for c in center.categories if not locale or c["locale"] == locale]
    return 200, {"payload": [_category_json(state, c) for c in sorted(rows, key=lambda c: c["position"])],
                 "meta": {"current_page": 1, "categories_count": len(rows)}}


def articles(state: DemoState, me: int, q: dict, body: Any, portal: str) -> Answer:
    """Filters (locale, status, category_slug, author_id), then a page of 25 by ``updated_at`` desc (by
    position within a category); the counts in ``meta`` are the whole portal's, as the server sends them."""
    center = _portal(state, portal)
    rows = list(center.articles)
    locale, status, category = param(q, "locale"), param(q, "status"), param(q, "category_slug")
    if status and status not in _STATUSES:
        raise ApiError.internal()  # the enum refuses an unknown value: an ArgumentError nobody rescues
    if locale:
        rows = [a for a in rows if a["locale"] == locale]
    if status:
        rows = [a for a in rows if a["status"] == status]
    if category:
        ids = {c["id"] for c in center.categories if c["slug"] == category}
        rows = sorted((a for a in rows if a["category_id"] in ids), key=lambda a: a["position"])
    else:
        rows.sort(key=lambda a: (-a["updated_at"], -a["id"]))
    page = max(1, ruby_int(param(q, "page"), 1))
    start = (page - 1) * ARTICLES_PER_PAGE
    everything = center.articles
    return 200, {
        "payload": [_article_json(state, center, a) for a in rows[start:start + ARTICLES_PER_PAGE]],
        "meta": {"current_page": str(page) if param(q, "page") else 1, "articles_count": len(everything),
                 "all_articles_count": len(everything),
                 "archived_articles_count": sum(a["status"] == "archived" for a in everything),
                 "published_count": sum(a["status"] == "published" for a in everything),
                 "draft_articles_count": sum(a["status"] == "draft" for a in everything),
                 "mine_articles_count": sum(a["author_id"] == me for a in everything)},
    }


def article_show(state: DemoState, me: int, q: dict, body: Any, portal: str, article_id: str) -> Answer:
    center = _portal(state, portal)
    found = next((a for a in center.articles if str(a["id"]) == article_id), None)
    if found is None:
        raise ApiError.not_found()
    return 200, {"payload": _article_json(state, center, found)}


__all__ = ["ARTICLES_PER_PAGE", "PORTAL_SLUG", "article_show", "articles", "categories", "help_center",
           "portal_show", "portals"]

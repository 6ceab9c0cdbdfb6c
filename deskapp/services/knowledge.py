"""Keeps the hub's help center in the cache for the knowledge base: ``sync_help_center`` pulls every portal's
articles through a Chatwoot connection and replaces the cached ones; ``HelpCenterSync`` runs it as the sync
engine's before-pull step, at most every ``every_s`` seconds per account. Searching is offline (copilot.knowledge)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from deskapp.connectors.base import AuthError, Cancelled, ConnectorError
from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.chatwoot_help_center import pull_help_center
from deskapp.connectors.http import HttpClient
from deskapp.services.account_schedule import AccountSchedule
from deskapp.store import help_articles
from deskapp.store.engine import Database

log = logging.getLogger(__name__)
SYNC_EVERY_S = 1800.0  # articles change rarely; conversations must not wait on them at every pass
RETRY_S = 300.0  # after a failure (hub down, no help center on this server): soon, but not at every pass


@dataclass
class HelpCenterSummary:
    portals: list[str] = field(default_factory=list)
    articles: int = 0
    published: int = 0
    skipped: int = 0
    failed_portals: list[str] = field(default_factory=list)


def sync_help_center(db: Database, account_id: int, http: HttpClient, prefix: str, *, now: float) -> HelpCenterSummary:
    """Pull the account's help center and make the cache hold exactly what the hub lists (network I/O first,
    then one short write). A portal whose list failed keeps its cached articles: searching stays offline."""
    pulled = pull_help_center(http, prefix)
    by_portal: dict[str, list[dict[str, Any]]] = {slug: [] for slug in pulled.portals}
    for art in pulled.articles:
        by_portal.setdefault(art.portal_slug, []).append(asdict(art))
    summary = HelpCenterSummary(portals=pulled.portals, skipped=pulled.skipped, failed_portals=pulled.failed_portals)
    with db.write() as conn:
        help_articles.drop_portals_except(conn, account_id, pulled.portals)
        for slug, arts in by_portal.items():
            if slug in pulled.failed_portals:
                continue
            summary.articles += help_articles.replace_portal(conn, account_id, slug, arts, int(now))
        summary.published = help_articles.published_count(conn)
    log.info("help center of account %s: %s", account_id, summary)
    return summary


class HelpCenterSync:
    """The sync engine's before-pull step for Chatwoot accounts; a failure is logged and never stops the pull."""

    def __init__(self, db: Database, *, every_s: float = SYNC_EVERY_S, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.schedule = AccountSchedule(every_s, clock)
        self.last_summary: dict[int, HelpCenterSummary] = {}

    def __call__(self, account_id: int, connector: object) -> None:
        if not isinstance(connector, ChatwootConnector):
            return
        now = self.schedule.claim(account_id)
        if now is None:
            return
        try:
            self.last_summary[account_id] = sync_help_center(self.db, account_id, connector.http, connector.prefix,
                                                             now=now)
        except AuthError as exc:
            if not connector.refused_action(exc):
                raise  # a bad token: the account's own pull meets the same answer, the engine shows it once
            log.warning("help center of account %s: this user may not read it", account_id)
        except Cancelled:
            raise
        except ConnectorError as exc:  # unreachable, 5xx, a malformed portal list: try again a bit later
            self.schedule.retry_after(account_id, now, RETRY_S)
            log.warning("help center of account %s not synced: %s", account_id, exc)

"""The Chatwoot application API over the demo state, as a Chatwoot v4 server answers it (its routes, status
codes and error bodies; the shapes live in chatwoot_json): `dispatch()` maps one request to (status, body).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from deskapp.demo import chatwoot_agent_bots as bots
from deskapp.demo import chatwoot_automation as automation
from deskapp.demo import chatwoot_contacts as contacts_w
from deskapp.demo import chatwoot_help_center as help_center
from deskapp.demo import chatwoot_presence as presence
from deskapp.demo import chatwoot_push as push
from deskapp.demo import chatwoot_reads as reads
from deskapp.demo import chatwoot_reports as reports
from deskapp.demo.chatwoot_common import NOT_FOUND, OTHER_ACCOUNT, Answer, ApiError
from deskapp.demo.state import DemoState

ROUTE_NOT_FOUND = {"status": 404, "error": "Not Found"}  # ActionDispatch::PublicExceptions for a JSON client
_ACC = r"/api/v1/accounts/(?P<account>[^/]+)"
_CONV = _ACC + r"/conversations/(?P<conv_id>[^/]+)"
_ACC2 = r"/api/v2/accounts/(?P<account>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], Callable[..., Answer]]] = [
    (m, re.compile(p + r"/?$"), fn) for m, p, fn in (
        ("GET", r"/api/v1/profile", reads.profile),
        ("GET", _ACC + r"/agents", reads.agents),
        ("GET", _ACC + r"/teams", reads.teams),
        ("GET", _ACC + r"/inboxes", reads.inboxes),
        ("GET", _ACC + r"/labels", reads.labels),
        ("GET", _ACC + r"/contacts", reads.contacts),
        ("GET", _ACC + r"/contacts/search", reads.contacts_search),
        ("GET", _ACC + r"/contacts/(?P<contact_id>[^/]+)", reads.contact_show),
        ("PUT", _ACC + r"/contacts/(?P<contact_id>[^/]+)", contacts_w.contact_update),
        ("PATCH", _ACC + r"/contacts/(?P<contact_id>[^/]+)", contacts_w.contact_update),
        ("DELETE", _ACC + r"/contacts/(?P<contact_id>[^/]+)", contacts_w.contact_delete),
        ("POST", _ACC + r"/actions/contact_merge", contacts_w.contact_merge),
        ("GET", _ACC + r"/canned_responses", reads.canned_responses),
        ("GET", _ACC + r"/csat_survey_responses", reads.csat_responses),
        ("GET", _ACC + r"/conversations", reads.conversations),
        ("GET", _CONV, reads.conversation_show),
        ("PATCH", _CONV, push.update_conversation),
        ("GET", _CONV + r"/messages", reads.messages),
        ("POST", _CONV + r"/messages", push.send_message),
        ("DELETE", _CONV + r"/messages/(?P<message_id>[^/]+)", push.delete_message),
        ("POST", _CONV + r"/toggle_status", push.toggle_status),
        ("POST", _CONV + r"/toggle_priority", push.toggle_priority),
        ("POST", _CONV + r"/assignments", push.assign),
        ("GET", _CONV + r"/labels", reads.labels_show),
        ("POST", _CONV + r"/labels", push.set_labels),
        ("GET", _ACC2 + r"/reports", reports.timeseries),
        ("GET", _ACC2 + r"/reports/summary", reports.summary),
        ("GET", _ACC2 + r"/reports/conversations", reports.conversations),
        ("GET", _ACC2 + r"/summary_reports/agent", reports.agent_summary),
        ("GET", _ACC2 + r"/summary_reports/team", reports.team_summary),
        ("GET", _ACC2 + r"/summary_reports/inbox", reports.inbox_summary),
        ("GET", _ACC + r"/automation_rules", automation.rules_index),
        ("POST", _ACC + r"/automation_rules", automation.rule_create),
        ("GET", _ACC + r"/automation_rules/(?P<rule_id>[^/]+)", automation.rule_show),
        ("PATCH", _ACC + r"/automation_rules/(?P<rule_id>[^/]+)", automation.rule_update),
        ("PUT", _ACC + r"/automation_rules/(?P<rule_id>[^/]+)", automation.rule_update),
        ("DELETE", _ACC + r"/automation_rules/(?P<rule_id>[^/]+)", automation.rule_destroy),
        ("GET", _ACC + r"/macros", automation.macros_index),
        ("POST", _ACC + r"/macros", automation.macro_create),
        ("GET", _ACC + r"/macros/(?P<macro_id>[^/]+)", automation.macro_show),
        ("PATCH", _ACC + r"/macros/(?P<macro_id>[^/]+)", automation.macro_update),
        ("PUT", _ACC + r"/macros/(?P<macro_id>[^/]+)", automation.macro_update),
        ("DELETE", _ACC + r"/macros/(?P<macro_id>[^/]+)", automation.macro_destroy),
        ("POST", _ACC + r"/macros/(?P<macro_id>[^/]+)/execute", automation.macro_execute),
        ("GET", _ACC + r"/portals", help_center.portals),
        ("GET", _ACC + r"/portals/(?P<portal>[^/]+)", help_center.portal_show),
        ("GET", _ACC + r"/portals/(?P<portal>[^/]+)/categories", help_center.categories),
        ("GET", _ACC + r"/portals/(?P<portal>[^/]+)/articles", help_center.articles),
        ("GET", _ACC + r"/portals/(?P<portal>[^/]+)/articles/(?P<article_id>[^/]+)", help_center.article_show),
        ("GET", _ACC + r"/agent_bots", bots.list_bots),
        ("POST", _ACC + r"/agent_bots", bots.create_bot),
        ("GET", _ACC + r"/agent_bots/(?P<bot_id>[^/]+)", bots.show_bot),
        ("PATCH", _ACC + r"/agent_bots/(?P<bot_id>[^/]+)", bots.update_bot),
        ("DELETE", _ACC + r"/agent_bots/(?P<bot_id>[^/]+)", bots.delete_bot),
        ("GET", _ACC + r"/inboxes/(?P<inbox_id>[^/]+)", bots.show_inbox),
        ("PATCH", _ACC + r"/inboxes/(?P<inbox_id>[^/]+)", bots.update_inbox),
        ("GET", _ACC + r"/inboxes/(?P<inbox_id>[^/]+)/agent_bot", bots.inbox_agent_bot),
        ("POST", _ACC + r"/inboxes/(?P<inbox_id>[^/]+)/set_agent_bot", bots.set_agent_bot),
        ("POST", _CONV + r"/toggle_typing_status", presence.toggle_typing_status),
        ("POST", r"/api/v1/profile/availability", presence.profile_availability),
        ("PATCH", _ACC + r"/agents/(?P<agent_id>[^/]+)", presence.update_agent),
    )
]


def dispatch(state: DemoState, method: str, path: str, query: dict[str, list[str]], body: Any, me: int, *,
             conflict_resolved: bool = False, overlap: bool = False, slow_apply_s: float = 0.0) -> Answer:
    """(status, JSON-able body or None for an empty body) for one Chatwoot API request by agent `me`;
    ``slow_apply_s``: a write waits this long before it is applied (reads meanwhile see no change)."""
    if slow_apply_s and method != "GET":
        with state.lock:
            state.faults_injected["slow apply"] += 1
        time.sleep(slow_apply_s)  # this handler's thread only: other requests go on meanwhile
    for route_method, pattern, fn in ROUTES:
        match = pattern.match(path)
        if not match or route_method != method:
            continue
        params = match.groupdict()
        account = params.pop("account", None)
        if account is not None and account != str(state.account_id):
            # another account: the user is not on it (an id that names no account at all would be a 404)
            return (401, OTHER_ACCOUNT) if account.isdigit() else (404, NOT_FOUND)
        kwargs: dict[str, bool] = {}
        if fn is push.toggle_status:
            kwargs["conflict_resolved"] = conflict_resolved
        elif fn in (reads.conversations, reads.contacts, reads.messages):
            kwargs["overlap"] = overlap
        try:
            return fn(state, me, query, body, **params, **kwargs)
        except ApiError as exc:
            return exc.status, exc.body
    return 404, ROUTE_NOT_FOUND  # Rails has no 405: a verb it has no route for is a routing error


__all__ = ["ROUTES", "dispatch"]

"""Chatwoot calls that are not synced data, for the collision and floor services: the agent's typing status,
availability (one's own, or an agent's by an administrator), the agents' availability now, and the latest
messages of one conversation. Network only; each is one attempt with a short timeout (best effort).

Routes and parameters as Chatwoot's controllers take them:
- ``POST /api/v1/accounts/:id/conversations/:display_id/toggle_typing_status`` with ``typing_status`` "on" |
  "off" and ``is_private`` (ConversationsController#toggle_typing_status -> TypingStatusManager; head :ok);
- ``POST /api/v1/profile/availability`` with ``profile: {account_id, availability}`` (ProfilesController:
  any signed-in user, for their own AccountUser);
- ``PATCH /api/v1/accounts/:id/agents/:id`` with ``agent: {availability}`` (AgentsController#update, which
  authorizes on User: UserPolicy#update allows administrators only).
"""

from __future__ import annotations

from typing import Any

from deskapp.connectors.http import HttpClient, HttpStatusError, decode_json

TIMEOUT_S = 3.0
AVAILABILITIES = ("online", "busy", "offline")


def toggle_typing(http: HttpClient, prefix: str, display_id: str, on: bool, *, private: bool = False) -> bool:
    """True once the hub took it (any failure raises)."""
    _once(http, "POST", f"{prefix}/conversations/{display_id}/toggle_typing_status",
                       json={"typing_status": "on" if on else "off", "is_private": private})
    return True


def set_my_availability(http: HttpClient, account_id: int | str, availability: str) -> bool:
    _check(availability)
    _once(http, "POST", "/api/v1/profile/availability",
                       json={"profile": {"account_id": int(account_id), "availability": availability}})
    return True


def set_agent_availability(http: HttpClient, prefix: str, agent_id: str, availability: str) -> bool:
    _check(availability)
    _once(http, "PATCH", f"{prefix}/agents/{agent_id}", json={"agent": {"availability": availability}})
    return True


def agent_availability(http: HttpClient, prefix: str) -> dict[str, str]:
    """Agent id -> availability_status, as the agents endpoint lists them (unknown values left out)."""
    body = _once(http, "GET", f"{prefix}/agents")
    rows = body if isinstance(body, list) else []
    return {str(a["id"]): a["availability_status"] for a in rows
            if isinstance(a, dict) and "id" in a and a.get("availability_status") in AVAILABILITIES}


def latest_messages(http: HttpClient, prefix: str, display_id: str) -> list[dict[str, Any]]:
    """The newest page of a conversation's messages (Chatwoot: the last 20, oldest first)."""
    body = _once(http, "GET", f"{prefix}/conversations/{display_id}/messages")
    payload = body.get("payload") if isinstance(body, dict) else None
    return [m for m in payload if isinstance(m, dict)] if isinstance(payload, list) else []


def _once(http: HttpClient, method: str, path: str, *, json: Any = None) -> Any:
    """One attempt; the decoded answer (None for an empty body); HttpStatusError for any non-2xx answer."""
    response = http.attempt(method, path, json=json, timeout=TIMEOUT_S)
    if not 200 <= response.status_code < 300:
        raise HttpStatusError(f"{method} {path}: HTTP {response.status_code}", response=response)
    return decode_json(response, f"{method} {path}") if response.content.strip() else None


def _check(availability: str) -> None:
    if availability not in AVAILABILITIES:
        raise ValueError(f"availability is one of {', '.join(AVAILABILITIES)} (got {availability!r})")

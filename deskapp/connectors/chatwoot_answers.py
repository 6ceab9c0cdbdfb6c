"""How Chatwoot refuses a push, for chatwoot_push and chatwoot_replies: its error bodies -> Rejected.

RequestExceptionHandler answers ``{"error": ...}`` (404 "Resource could not be found", 401 Pundit,
422 ``render_could_not_create_error``), a failed validation ``{"message": ..., "attributes": [...]}``.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from deskapp.connectors.base import PayloadError
from deskapp.connectors.http import decode_json


class Rejected(Exception):
    """The service refused the item; ``reason`` is shown to the agent as the conflict."""

    def __init__(self, reason: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or {}


def service_words(body: Any) -> str:
    """The service's own explanation in an error body (``error``, ``message`` or ``errors``), if any."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            return ""
    for key in ("message", "error", "errors"):
        value = body.get(key) if isinstance(body, dict) else None
        if value:
            return "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return ""


def check(response: requests.Response) -> requests.Response:
    """Turn 4xx answers into Rejected with the agent-facing reason; a bad id is 404: the thing is gone."""
    status = response.status_code
    if 200 <= status < 300:
        return response
    try:
        reason = service_words(decode_json(response))
    except PayloadError:
        reason = ""
    detail = {"status": status, "message": reason}  # the service's own words, for the conflict view
    if status in (404, 410):
        raise Rejected("deleted", {**detail, "message": reason or "it no longer exists on the hub"})
    if status == 413:
        raise Rejected("too large", detail)
    if status == 422:
        raise Rejected(f"rejected: {reason}" if reason else "rejected", detail)
    raise Rejected(f"HTTP {status}{': ' + reason if reason else ''}", detail)

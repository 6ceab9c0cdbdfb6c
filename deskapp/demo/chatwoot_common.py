"""What the demo's Chatwoot handlers share: the server's error answers (RequestExceptionHandler and Rails'
own), Ruby's lenient reading of query parameters, paging, and the conversation lookup with its permission check.
"""

from __future__ import annotations

import re
from typing import Any

from deskapp.demo.seed import Conversation
from deskapp.demo.state import DemoState

Answer = tuple[int, Any]
EMPTY = b""  # `head :ok`: no body at all (None is a JSON null, as `render json: nil` sends)
_LEADING_INT = re.compile(r"\s*([+-]?\d+)")

NOT_FOUND = {"error": "Resource could not be found"}  # ActiveRecord::RecordNotFound
NOT_AUTHORIZED = {"error": "You are not authorized to do this action"}  # Pundit::NotAuthorizedError
BAD_TOKEN = {"error": "Invalid Access Token"}
NO_TOKEN = {"errors": ["You need to sign in or sign up before continuing."]}  # devise_token_auth
OTHER_ACCOUNT = {"error": "You are not authorized to access this account"}
INTERNAL_ERROR = {"status": 500, "error": "Internal Server Error"}  # an exception nobody rescues
BAD_REQUEST = {"status": 400, "error": "Bad Request"}  # a body Rails cannot parse


class ApiError(Exception):
    """An error answer: the status and the body the real server sends with it."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    @classmethod
    def not_found(cls) -> ApiError:
        return cls(404, NOT_FOUND)

    @classmethod
    def not_authorized(cls) -> ApiError:
        return cls(401, NOT_AUTHORIZED)

    @classmethod
    def internal(cls) -> ApiError:
        """What an ArgumentError from an enum (`'none' is not a valid priority`) turns into."""
        return cls(500, INTERNAL_ERROR)

    @classmethod
    def unprocessable(cls, message: str) -> ApiError:
        return cls(422, {"error": message})


def param(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def ruby_int(value: Any, default: int) -> int:
    """Ruby's `to_i`: the leading digits, 0 when there are none (the server never refuses `page=abc`)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return int(value)
    match = _LEADING_INT.match(str(value))
    return int(match.group(1)) if match else 0


def page_of(rows: list, page: int, size: int, overlap: bool) -> list:
    start = (page - 1) * size
    return rows[max(0, start - 1) if overlap else start: start + size]


def body_dict(body: Any) -> dict:
    """Rails' params: a JSON body that is not an object brings no parameters."""
    return body if isinstance(body, dict) else {}


def conversation_for(state: DemoState, me: int, raw_id: Any) -> Conversation:
    """`find_by!(display_id:)` then `authorize`: 404 for an id that is not there (including `abc`), 401 for a
    conversation of an inbox the agent is not a member of."""
    conv = state.conversation(ruby_int(raw_id, 0))
    if conv is None:
        raise ApiError.not_found()
    if not state.can_see(me, conv):
        raise ApiError.not_authorized()
    return conv

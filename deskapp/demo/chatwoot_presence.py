"""The Chatwoot routes behind typing and availability, for the demo hub: toggle_typing_status (head :ok, as
TypingStatusManager answers whatever the status), the profile's availability (any user, their own) and an
administrator's update of an agent (AgentsController#update; UserPolicy: administrators only)."""

from __future__ import annotations

from typing import Any

from deskapp.demo.chatwoot_common import EMPTY, Answer, ApiError, body_dict, conversation_for, ruby_int
from deskapp.demo.chatwoot_json import agent_json, user_json
from deskapp.demo.state import DemoState

AVAILABILITIES = ("online", "busy", "offline")  # AccountUser's enum


def toggle_typing_status(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    params = body_dict(body)
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        status = params.get("typing_status")
        if status in ("on", "off"):  # anything else: no event, still 200
            state.typing_log.append({"conversation_id": conv.id, "user_id": me, "typing_status": status,
                                     "is_private": bool(params.get("is_private")), "at": state.now()})
            # TypingStatusManager broadcasts conversation.typing_on / _off to the others (demo/cable.py)
            state.emit(f"typing_{status}", conv, {"user_id": me, "is_private": bool(params.get("is_private"))})
    return 200, EMPTY  # head :ok


def _availability(value: Any) -> str:
    if value not in AVAILABILITIES:
        raise ApiError.internal()  # an enum assigned a value it does not know: ArgumentError, unrescued
    return str(value)


def profile_availability(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    profile = body_dict(body_dict(body).get("profile"))
    with state.lock:
        if ruby_int(profile.get("account_id"), 0) != state.account_id:
            raise ApiError.not_found()  # account_users.find_by!(account_id:)
        state.availability[me] = _availability(profile.get("availability"))
        token = next(t for t, a in state.tokens.items() if a == me)
        return 200, user_json(state, state.agent(me), access_token=token)


def update_agent(state: DemoState, me: int, q: dict, body: Any, agent_id: str) -> Answer:
    params = body_dict(body_dict(body).get("agent"))
    with state.lock:
        if state.agent(me)["role"] != "administrator":
            raise ApiError.not_authorized()
        agent = state.find_agent(ruby_int(agent_id, 0))
        if agent is None:
            raise ApiError.not_found()
        if "availability" in params:
            state.availability[agent["id"]] = _availability(params["availability"])
        return 200, agent_json(state, agent)

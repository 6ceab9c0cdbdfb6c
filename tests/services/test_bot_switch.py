"""services.bot_switch: the kill switch over Chatwoot's set_agent_bot, against the demo hub with the bot running:
off disconnects every inbox at once (no more webhooks, new conversations start open), on puts it back."""

from __future__ import annotations

import requests

from deskapp.services.bot_switch import SWITCH_POLICY, BotSwitch
from deskapp.sync.registry import chatwoot_http


def test_kill_switch_disconnects_the_bot_from_every_inbox_at_once(bot_hub):
    switch = BotSwitch(chatwoot_http(bot_hub.url, bot_hub.admin["api_access_token"], **SWITCH_POLICY),
                       bot_hub.state.account_id)
    was = switch.off()
    assert was == {i: bot_hub.bot.bot_id for i in bot_hub.bot.inbox_ids.values()}
    assert switch.connected() == {}
    conv_id = bot_hub.customer_starts("where is my order #1234?", contact_id=bot_hub.owner_contact(1234).id)
    assert bot_hub.conversation(conv_id).status == "open" and bot_hub.bot_messages(conv_id) == []
    assert bot_hub.state.agent_bot_hub.deliveries == []
    switch.on(was)
    assert switch.connected() == was
    again = bot_hub.customer_starts("where is my order #1234?", contact_id=bot_hub.owner_contact(1234).id)
    assert len(bot_hub.bot_messages(again)) == 1


def test_an_agent_cannot_flip_the_kill_switch(bot_hub):
    agent = BotSwitch(chatwoot_http(bot_hub.url, bot_hub.state.chatwoot_token, **SWITCH_POLICY),
                      bot_hub.state.account_id)
    inbox_id = bot_hub.bot.inbox_ids["web_chat"]
    refused = requests.post(f"{bot_hub.acc}/inboxes/{inbox_id}/set_agent_bot", json={"agent_bot": None}, timeout=10,
                            headers={"api_access_token": bot_hub.state.chatwoot_token})
    assert refused.status_code == 401
    assert agent.connected()[inbox_id] == bot_hub.bot.bot_id

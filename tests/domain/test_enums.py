"""domain.enums: channel families (chat-like, social/SMS, the rest), and the values every layer stores and the
services send read back as the same members; a value outside a vocabulary is refused."""

from __future__ import annotations

import pytest

from deskapp.domain.enums import AccountKind, Channel, Connectivity, OutboxKind, Status


def test_each_channel_is_in_at_most_one_family():
    chat = {c for c in Channel if c.is_chat_like}
    social = {c for c in Channel if c.is_social_or_sms}
    assert chat == {Channel.WEB_CHAT, Channel.WHATSAPP, Channel.TELEGRAM, Channel.API}
    assert social == {Channel.INSTAGRAM, Channel.MESSENGER, Channel.SMS}
    assert not chat & social
    assert Channel.EMAIL not in chat | social and Channel.OTHER not in chat | social


@pytest.mark.parametrize("vocabulary", [AccountKind, Channel, Status, OutboxKind, Connectivity])
def test_stored_text_reads_back_as_the_member(vocabulary):
    for member in vocabulary:
        assert vocabulary(str(member)) is member and member == member.value


@pytest.mark.parametrize(("vocabulary", "value"), [
    (Channel, "Email"), (Channel, ""), (Status, "closed"), (AccountKind, "zendesk"), (Connectivity, None)])
def test_a_value_outside_the_vocabulary_is_refused(vocabulary, value):
    with pytest.raises(ValueError):
        vocabulary(value)

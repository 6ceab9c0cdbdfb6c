"""Language detection of customer messages, through the triager and on its own."""

from __future__ import annotations

import pytest

from deskapp.copilot import language
from deskapp.copilot.triage import default_triager


@pytest.mark.parametrize(("message", "lang"), [
    ("wo ist meine Bestellung", "de"), ("Where is my order?", "en"), ("Je n'ai pas reçu mon colis", "fr"),
    ("Quiero devolver las zapatillas", "es"), ("Vorrei annullare il mio ordine", "it"),
    ("Ik wil mijn bestelling annuleren", "nl"), ("Quero cancelar a minha encomenda", "pt"),
])
def test_each_message_gets_its_language(message, lang):
    result = default_triager().triage(message)
    assert result.language == lang
    assert result.as_json()["language"] == lang


def test_too_short_to_tell_has_no_language():
    assert default_triager().triage("ok").language is None
    assert language.detect_many(["", "??", "🙂"]) == [None, None, None]


def test_confidence_gives_the_detected_language_with_its_share_and_the_runner_ups():
    code, share, runner_up = language.confidence("Hallo, wo bleibt meine Bestellung #1234?")
    assert code == "de" == language.detect("Hallo, wo bleibt meine Bestellung #1234?") and share > 0.9 > runner_up
    code, share, runner_up = language.confidence("pedido #1234?")  # Portuguese or Spanish: barely told apart
    assert code in ("pt", "es") and share < 2 * runner_up
    long = "Bonjour, je n'ai toujours pas reçu ma commande et le suivi ne bouge plus depuis une semaine. " * 3
    assert language.confidence(long)[0] == "fr" == language.detect(long)
    assert language.confidence("??") == (None, 0.0, 0.0)

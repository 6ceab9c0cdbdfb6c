"""The bot over the demo's order-status questions, asked live: it never answers wrongly (nor in another language
than the customer's), answers most questions about an order it can see in every language it knows, and hands
the rest to a person for a reason that holds."""

from __future__ import annotations

from deskapp.services.bot_measure import OTHER_PROBES, PROBES, measure_order_questions


def test_order_status_questions_are_answered_correctly_or_rightly_handed_over(bot_hub):
    figures = measure_order_questions(bot_hub.bot, limit=80)
    assert figures.asked == 80
    assert figures.answered_wrongly == 0, figures.wrong
    assert figures.handed_over_needlessly == 0, figures.wrong
    assert figures.answered_correctly >= 55  # 65 of the first 80 on the pinned demo
    assert figures.answered_correctly + figures.handed_over_rightly == 80
    answered = {lang: counts["answered_correctly"] for lang, counts in figures.per_language.items()}
    assert set(answered) == {"en", "de", "es", "fr"} and min(answered.values()) >= 3, answered  # 47, 5, 10, 3
    probes = figures.probes
    assert probes is not None and probes.asked == 80 and set(probes.per_language) == set(PROBES)
    assert probes.answered_wrongly == 0 and probes.handed_over_needlessly == 0, probes.wrong
    assert all(counts["answered_correctly"] >= 5 for counts in probes.per_language.values()), probes.per_language
    others = figures.others  # the first 80 openings on other topics, and requests in every language
    assert others is not None and others.asked == 80 + sum(map(len, OTHER_PROBES.values()))
    assert others.answered_wrongly == 0, others.wrong
    assert set(others.per_language) == set(OTHER_PROBES)
    shown = figures.as_json()
    assert shown["per_language"]["de"]["asked"] == 5 and {"probes", "other_questions"} <= set(shown)

"""services.bot_wording: the bot's sentences and dates, complete in every language the detector knows."""

from __future__ import annotations

import string
from datetime import UTC, datetime

from deskapp.copilot import language
from deskapp.services import bot_wording as bw


def test_the_phrase_table_is_complete_for_every_language_the_detector_knows():
    english = bw.PHRASES["en"]
    assert set(bw.PHRASES) == set(language.LANGUAGES) == set(bw.DATES) and set(bw.PHRASES) >= bw.ANSWER_LANGUAGES
    for lang, table in bw.PHRASES.items():
        assert set(table) == set(english), lang
        for key, text in table.items():  # the same fields, so no sentence loses the order or its link
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(english[key]) if f}, (lang, key)
        dates = bw.DATES[lang]
        assert len(dates.months) == 12 and "*" in dates.on_day and dates.recently, lang
        for day in range(1, 32):
            assert str(day) in bw.when(lang, datetime(2025, 1, day, tzinfo=UTC)), (lang, day)


def test_each_language_writes_dates_as_its_shops_do():
    may = [datetime(2025, 5, d, tzinfo=UTC) for d in (1, 8, 20)]
    assert [bw.when("en", d) for d in may] == ["on May 1", "on May 8", "on May 20"]
    assert [bw.when("de", d) for d in may] == ["am 1. Mai", "am 8. Mai", "am 20. Mai"]
    assert [bw.when("fr", d) for d in may] == ["le 1er mai", "le 8 mai", "le 20 mai"]
    assert [bw.when("it", d) for d in may] == ["il 1º maggio", "l'8 maggio", "il 20 maggio"]
    assert bw.when("nl", None) == "onlangs" and bw.when(None, None) == "recently"

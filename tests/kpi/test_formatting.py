"""kpi.formatting: rates and NPS as the CLI and the dashboards print them, and a dash where there is no figure."""

from __future__ import annotations

import pytest

from deskapp.kpi.formatting import fmt_nps, fmt_rate


@pytest.mark.parametrize(("value", "text"), [(None, "–"), (0.0, "0.0 %"), (0.78449, "78.4 %"), (1.0, "100.0 %"),
                                             (0.0004, "0.0 %")])
def test_rates_are_percentages_with_one_decimal(value, text):
    assert fmt_rate(value) == text


@pytest.mark.parametrize(("value", "text"), [(None, "–"), (0.0, "+0"), (0.2, "+20"), (-0.35, "-35"), (1.0, "+100")])
def test_nps_is_a_signed_whole_number(value, text):
    assert fmt_nps(value) == text

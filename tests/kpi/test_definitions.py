"""The KPI statistics: median and p90 (also from a few ranked values), and the CSAT, NPS and CES formulas."""

from __future__ import annotations

import random

import pytest

from deskapp.kpi import definitions as d


@pytest.mark.parametrize(("values", "median", "p90"), [
    ([], None, None),
    ([7], 7.0, 7.0),
    ([4, 1], 2.5, 4.0),
    ([3, 1, 2], 2.0, 3.0),
    (list(range(1, 11)), 5.5, 9.0),  # the nearest rank: the 9th of ten
    (list(range(1, 12)), 6.0, 10.0),
    ([5, 5, 5, 5], 5.0, 5.0),
])
def test_median_and_p90(values, median, p90):
    assert d.median(values) == median and d.p90(values) == p90
    assert d.percentiles(values) == (median, p90)


def test_the_ranked_values_alone_give_the_same_percentiles():
    rng = random.Random(3)
    for n in (*range(0, 25), 99, 100, 101, 1000):
        values = sorted(rng.randint(0, 10_000) for _ in range(n))
        ranks = d.percentile_ranks(n)
        assert len(ranks) <= 3 and all(0 <= r < n for r in ranks)
        only = {r: values[r] for r in ranks}  # what SQLite hands back: nothing else may be read
        assert d.percentiles_at(n, only.__getitem__) == (d.median(values), d.p90(values))


def test_csat_is_the_share_of_4_and_5_among_valid_scores():
    assert d.csat_of([5, 4, 3, 1]) == 0.5
    assert d.csat_of([5, 0, 6, -1, 9]) == 1.0  # out-of-range scores are not answers
    assert d.csat_of([]) is None and d.csat_of([0, 6]) is None


def test_nps_is_promoters_minus_detractors_over_valid_answers():
    assert d.nps_of([10, 9, 8, 7, 6, 0]) == pytest.approx((2 - 2) / 6)
    assert d.nps_of([10, 10, 3, 11, -2]) == pytest.approx(1 / 3)
    assert d.nps_of([8, 7]) == 0.0  # passives only
    assert d.nps_of([]) is None and d.nps_from_counts(0, 0, 0) is None
    assert d.nps_from_counts(5, 1, 8) == 0.5


def test_ces_is_the_mean_of_valid_scores_and_share_guards_zero():
    assert d.ces_of([1, 7, 4]) == 4.0
    assert d.ces_of([0, 8, 2]) == 2.0
    assert d.ces_of([]) is None
    assert d.share(3, 4) == 0.75 and d.share(3, 0) is None


def test_every_figure_has_a_formula_to_show():
    assert all(isinstance(text, str) and text.strip() for text in d.FORMULAS.values())
    for key in ("replies", "resolutions", "revenue_influenced", "refunds"):
        assert key in d.FORMULAS

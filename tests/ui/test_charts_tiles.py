"""ui.charts_tiles: the KPI tiles say the value and how it moved against the previous period, in points that
add up as shown."""


def test_tiles_say_how_shares_and_nps_moved_in_points_that_add_up(qtbot):
    from deskapp.domain.durations import duration_text
    from deskapp.kpi.formatting import fmt_nps, fmt_rate
    from deskapp.ui.charts_tiles import KpiTile

    csat = KpiTile("CSAT", "share of 4-5", fmt_rate)
    qtbot.addWidget(csat)
    csat.set_value(0.78449, 0.65651, "csat")  # shown as 78.4 % and 65.7 %: the change shown is their difference
    assert csat.value_label.text() == "78.4 %"
    assert csat.change_label.text() == "▲ 12.7 pts vs previous (65.7 %)"
    nps = KpiTile("NPS", "promoters - detractors", fmt_nps)
    qtbot.addWidget(nps)
    nps.set_value(0.12, 0.2, "nps")
    assert nps.change_label.text() == "▼ 8 pts vs previous (+20)"
    same = KpiTile("FCR", "one reply", fmt_rate)
    qtbot.addWidget(same)
    same.set_value(0.50004, 0.49996, "fcr")  # equal as shown
    assert same.change_label.text() == "= previous period"
    frt = KpiTile("FRT", "median", duration_text, lower_is_better=True)
    qtbot.addWidget(frt)
    frt.set_value(600, 900, "frt")
    assert frt.change_label.text().startswith("▼ 5") and "vs previous" in frt.change_label.text()

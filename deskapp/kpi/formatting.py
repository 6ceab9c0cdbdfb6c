"""Human-readable KPI figures (rates, NPS) shared by the CLI and the dashboards; durations read through
deskapp.domain.durations."""

from __future__ import annotations


def fmt_rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def fmt_nps(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.0f}"


def fmt_refunds(refunds: dict | None) -> str:
    """Refunds issued: '3 · 45.50 EUR' (how many, then how much per currency); '0' when none."""
    if refunds is None:
        return "–"
    count = int(refunds.get("count") or 0)
    return f"{count} · {fmt_amounts(refunds.get('amounts'))}" if count else "0"


def fmt_amounts(amounts: dict[str, float] | None) -> str:
    """Money per currency: '190.00 EUR + 80.00 USD'; '0' when nothing."""
    if amounts is None:
        return "–"
    parts = [f"{total:,.2f} {currency}".strip() for currency, total in sorted(amounts.items())]
    return " + ".join(parts) or "0"

"""Milestone cards: the read model's progress joined with the program's terms (metric, bonus) and the period's end."""

from __future__ import annotations

from typing import Any

from projections.portal.money import format_money
from projections.portal.periods import period_end


def milestone_cards(rows: list[dict[str, Any]], program: dict[str, Any]) -> list[dict[str, Any]]:
    """One card per milestone and period, in milestone then period order."""
    terms = {term["id"]: term for term in program.get("milestones") or []}
    return [_card(row, terms.get(row["milestone_id"], {}))
            for row in sorted(rows, key=lambda r: (r["milestone_id"], r["period"]))]


def _card(row: dict[str, Any], term: dict[str, Any]) -> dict[str, Any]:
    # The bonus awarded, else the one the program's current terms promise.
    bonus = (row["bonus_amount"], row["bonus_currency"]) if row["bonus_amount"] is not None else (
        (term["bonus"]["amount"], term["bonus"]["currency"]) if "bonus" in term else (None, None))
    money = term.get("metric") == "revenue" and bonus[1] is not None

    def shown(value: int) -> str:
        return format_money(value, bonus[1]) if money else f"{value:,}"

    return row | {"ends": period_end(row["period"]), "bonus": format_money(*bonus) if bonus[0] is not None else "",
                  "metric": term.get("metric", ""), "shown_value": shown(row["value"]),
                  "shown_threshold": shown(row["threshold"]), "shown_remaining": shown(row["remaining"])}

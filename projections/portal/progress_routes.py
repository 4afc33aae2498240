"""A partner's recruits, milestone progress and rank in the program's leaderboard."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from projections import queries
from projections.leaderboard_period import EXAMPLES, PeriodError, leaderboard_period
from projections.portal import reads
from projections.portal.chart import Bar, bar_chart
from projections.portal.money import format_money
from projections.portal.progress import milestone_cards
from projections.portal.render import partner_page
from projections.portal.wiring import Conn, Partner

By = Literal["revenue", "sales", "commission"]


def add_routes(api: FastAPI) -> None:
    """/portal/downline, /portal/milestones and /portal/leaderboard."""
    @api.get("/portal/downline", response_class=HTMLResponse, include_in_schema=False)
    def downline(request: Request, partner_id: Partner, conn: Conn) -> Response:
        rows = queries.for_partner(conn, "second_tier_attribution", "recruiter_id", partner_id)
        return partner_page(request, "downline.html", partner_id, "nav-downline", title="Recruits",
                            rows=sorted(rows, key=lambda r: (r["level"], r["recruit_id"], r["currency"])))

    @api.get("/portal/milestones", response_class=HTMLResponse, include_in_schema=False)
    def milestones(request: Request, partner_id: Partner, conn: Conn) -> Response:
        rows = queries.for_partner(conn, "milestone_progress", "partner_id", partner_id)
        return partner_page(request, "milestones.html", partner_id, "nav-milestones", title="Milestones",
                            rows=milestone_cards(rows, reads.program_of(conn, partner_id)))

    @api.get("/portal/leaderboard", response_class=HTMLResponse, include_in_schema=False)
    def leaderboard(request: Request, partner_id: Partner, conn: Conn, period: str = "lifetime",
                    by: By = "revenue", currency: str = "") -> Response:
        program = reads.program_of(conn, partner_id)
        choices = reads.currencies(conn, partner_id)
        currency = currency.upper() if currency.upper() in choices else choices[0]
        filters = {"period": period, "by": by, "currency": currency}
        try:
            kind, label = leaderboard_period(period)
        except PeriodError:
            return partner_page(request, "leaderboard.html", partner_id, "nav-leaderboard", status=422,
                                title="Leaderboard", filters=filters, currencies=choices, program=program,
                                error=f"{period!r} is not a period: give {EXAMPLES}")
        rows = [_named(row, partner_id, program) for row in
                reads.program_ranks(conn, program["program_id"] or "", partner_id, (kind, label), by, currency)]
        chart = bar_chart([Bar(r["shown_name"], r[by], _shown(r, by), r["me"]) for r in rows],
                          f"{by.title()} ranking, {label}, {currency}")
        return partner_page(request, "leaderboard.html", partner_id, "nav-leaderboard", title="Leaderboard",
                            filters=filters | {"period": label}, currencies=choices, program=program, rows=rows,
                            chart=chart)


def _named(row: dict[str, Any], partner_id: str, program: dict[str, Any]) -> dict[str, Any]:
    """The row as the partner may see it: others by name only when the program shows names, else by rank."""
    me = row["partner_id"] == partner_id
    if me:
        name = f"You ({row['name']})"
    elif program["show_leaderboard_names"]:
        name = row["name"]
    else:
        name = f"Partner #{row['rank']}"
    return {key: row[key] for key in ("rank", "sales", "revenue", "commission", "currency")} | {
        "me": me, "shown_name": name}  # no partner id or name of another partner leaves this function


def _shown(row: dict[str, Any], by: str) -> str:
    return f"{row['sales']:,} sales" if by == "sales" else format_money(row[by], row["currency"])

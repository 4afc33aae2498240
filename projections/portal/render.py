"""Pages rendered from the package's Jinja2 templates (autoescaped), with the filters they share."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from projections.portal.money import format_money

HERE = Path(__file__).parent
# (nav id, URL, label) of each partner page, in the order the nav shows them.
PARTNER_NAV = (("nav-overview", "/portal/", "Overview"), ("nav-statement", "/portal/statement", "Statement"),
               ("nav-referrals", "/portal/referrals", "Referrals"), ("nav-downline", "/portal/downline", "Recruits"),
               ("nav-milestones", "/portal/milestones", "Milestones"),
               ("nav-leaderboard", "/portal/leaderboard", "Leaderboard"))
OPERATOR_NAV = (("nav-operator", "/portal/operator", "Operations"),)
TEMPLATES = Jinja2Templates(directory=HERE / "templates")


def _day(value: datetime | date | None) -> str:
    """A date as YYYY-MM-DD (UTC for a time); nothing for None."""
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


TEMPLATES.env.filters["money"] = format_money
TEMPLATES.env.filters["day"] = _day


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The template `name` rendered with `context`; every page says it must not be cached."""
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def partner_page(request: Request, name: str, partner_id: str, current: str, **context: Any) -> HTMLResponse:
    """A partner's page: the nav with `current` marked, and the partner named in the header."""
    return page(request, name, nav=PARTNER_NAV, current=current, who=partner_id, **context)


def stylesheet() -> str:
    """The one CSS file (read on each call: small, and edits show without a restart)."""
    return (HERE / "static" / "portal.css").read_text(encoding="utf-8")

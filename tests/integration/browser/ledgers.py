"""The ledgers the browser tests read: a partner with a bit of everything, and one program per privacy level."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from ledger.database import ledger_env
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from tests.builders import inbound, usd
from tests.integration.harness import database_on

ADA = ("C-1001", "Ada", "Lovelace", "ada@customers.example")
GRACE = ("C-1002", "Grace", "Hopper", "grace@customers.example")
ALAN = ("C-1003", "Alan", "Turing", "alan@customers.example")
LEVELS = ("none", "first_name_last_initial", "full_name", "full_name_email", "contact_id")
# The hold is long so the pending lines of November 2026 still mature in the future (December 2027).
HOLD_DAYS = 400
MATURED_AT = datetime(2026, 11, 9, tzinfo=UTC)


def when(year: int, month: int, day: int) -> str:
    """Noon UTC on that day, as producers write event times."""
    return datetime(year, month, day, 12, tzinfo=UTC).isoformat()


def program(program_id: str, on: str, **terms: Any) -> dict[str, Any]:
    """A program paying 10% to the seller and 5% to their recruiter."""
    return {"type": "program.configured", "event_id": f"prog-{program_id}", "occurred_at": on,
            "program_id": program_id, "name": program_id.title(),
            "tiers": [{"level": 1, "rate": "0.10"}, {"level": 2, "rate": "0.05"}]} | terms


def joined(partner_id: str, program_id: str, on: str, recruited_by: str | None = None) -> dict[str, Any]:
    """A partner named after their id joining a program."""
    event = {"type": "partner.joined", "event_id": f"join-{partner_id}", "occurred_at": on,
             "partner_id": partner_id, "program_id": program_id, "name": partner_id.title(),
             "email": f"{partner_id}@partners.example"}
    return event | ({"recruited_by": recruited_by} if recruited_by else {})


def customer(who: tuple[str, str, str, str]) -> dict[str, str]:
    """The customer block of a sale or decline."""
    return dict(zip(("contact_id", "first_name", "last_name", "email"), who, strict=True))


def sale(sale_id: str, partner_id: str, amount: int, on: str, who: tuple[str, str, str, str],
         product_id: str = "pro-plan") -> dict[str, Any]:
    """A completed sale in US cents."""
    return {"type": "sale.completed", "event_id": f"sale-{sale_id}", "occurred_at": on, "sale_id": sale_id,
            "partner_id": partner_id, "product_id": product_id, "amount": usd(amount), "customer": customer(who)}


def declined(decline_id: str, partner_id: str, amount: int, on: str, who: tuple[str, str, str, str]) -> dict[str, Any]:
    """A declined charge that names no sale."""
    return {"type": "charge.declined", "event_id": f"decline-{decline_id}", "occurred_at": on,
            "decline_id": decline_id, "partner_id": partner_id, "product_id": "pro-plan", "amount": usd(amount),
            "reason": "card_declined", "customer": customer(who)}


def payout(payout_id: str, partner_id: str, amount: int, on: str) -> dict[str, Any]:
    """A payout in US cents."""
    return {"type": "payout.sent", "event_id": f"payout-{payout_id}", "occurred_at": on, "payout_id": payout_id,
            "partner_id": partner_id, "amount": usd(amount)}


def rex_before_maturing() -> list[dict[str, Any]]:
    """Acme, its four partners (mia recruited by rex), and rex's first sale, of October 2025."""
    acme = program("acme", when(2025, 9, 1), hold_days=HOLD_DAYS, referral_info="full_name_email",
                   show_declines=True, show_purchase_history=True, milestones=[
                       {"id": "first-sale", "metric": "sales_count", "threshold": 1, "bonus": usd(500)},
                       {"id": "big-month", "metric": "revenue", "threshold": 100_000, "period": "month",
                        "bonus": usd(5_000)}])
    return [acme, *(joined(p, "acme", when(2025, 9, 1)) for p in ("rex", "zoe", "kai")),
            joined("mia", "acme", when(2025, 9, 2), recruited_by="rex"),
            sale("S-1", "rex", 20_000, when(2025, 10, 1), ADA)]


def rex_after_maturing() -> list[dict[str, Any]]:
    """November 2026: a payout to rex, sales by everyone (mia's earn rex level 2), a declined charge, and a
    second payout reusing the first one's id (refused: a dead letter)."""
    return [payout("P-1", "rex", 1_500, when(2026, 11, 11)),
            sale("S-2", "rex", 30_000, when(2026, 11, 10), ADA, product_id="team-plan"),
            sale("S-3", "rex", 8_000, when(2026, 11, 20), GRACE),
            sale("S-4", "mia", 40_000, when(2026, 11, 12), ALAN),
            sale("S-5", "zoe", 70_000, when(2026, 11, 15), GRACE),
            sale("S-6", "kai", 5_000, when(2026, 11, 16), ADA),
            declined("D-1", "rex", 9_000, when(2026, 11, 21), ALAN),
            payout("P-1", "rex", 500, when(2026, 11, 22)) | {"event_id": "payout-P-1-again"}]


def guild_events() -> list[dict[str, Any]]:
    """The guild shows partners' names on its leaderboard: otto sold more than ivy."""
    on = when(2026, 11, 1)
    return [program("guild", on, show_leaderboard_names=True), joined("ivy", "guild", on), joined("otto", "guild", on),
            sale("G-1", "ivy", 10_000, when(2026, 11, 3), ADA), sale("G-2", "otto", 60_000, when(2026, 11, 4), GRACE)]


def privacy_events() -> list[dict[str, Any]]:
    """One program and partner per referral_info level, plus one showing declines and one purchase history.

    Each partner sold twice to Ada and once to Grace, and had a charge to Alan declined.
    """
    on = when(2026, 11, 1)
    programs = {f"p-{level}": program(f"p-{level}", on, referral_info=level) for level in LEVELS}
    programs["p-declines"] = program("p-declines", on, referral_info="full_name", show_declines=True)
    programs["p-history"] = program("p-history", on, referral_info="full_name", show_purchase_history=True)
    events: list[dict[str, Any]] = list(programs.values())
    for number, program_id in enumerate(programs, start=1):
        partner = f"partner-{program_id.removeprefix('p-')}"
        events += [joined(partner, program_id, on),
                   sale(f"S-{number}-1", partner, 10_000, when(2026, 11, 2), ADA),
                   sale(f"S-{number}-2", partner, 25_000, when(2026, 11, 9), ADA, product_id="team-plan"),
                   sale(f"S-{number}-3", partner, 7_000, when(2026, 11, 5), GRACE),
                   declined(f"D-{number}", partner, 9_000, when(2026, 11, 6), ALAN)]
    return events


@contextmanager
def decided(admin_url: str, steps: Sequence[list[dict[str, Any]] | datetime]) -> Iterator[str]:
    """A fresh database where each step was decided in turn (events applied, or pending lines matured at a
    time), every projection caught up; dropped afterwards."""
    with database_on(admin_url) as url:
        writer = LedgerWriter(PostgresStore.connect(ledger_env(url)))
        for step in steps:
            if isinstance(step, datetime):
                writer.mature(int(step.timestamp() * 1_000_000))
            else:
                writer.apply([inbound(e) for e in step])
        ProjectionRunner(url, all_projections()).catch_up()
        yield url

"""`ledger partners | leaderboard | downline | milestones | statement` read the projections."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.builders import refund, two_tier_events
from tests.integration.harness import Harness

pytestmark = pytest.mark.integration
EVENTS = [*two_tier_events(), refund("S-1", 2_500)]


@pytest.fixture(scope="module")
def ledger(module_harness: Harness) -> Harness:
    """The two-tier example with a partial refund, applied by a worker and projected."""
    module_harness.start_worker()
    module_harness.apply(EVENTS)
    return module_harness


def _json(harness: Harness, *args: str) -> object:
    result = harness.ledger(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_partners_lists_every_partner_with_their_recruiter(ledger: Harness) -> None:
    rows = _json(ledger, "partners")
    assert {(r["partner_id"], r["recruited_by"]) for r in rows} == {("rex", "susie"), ("susie", None)}


def test_leaderboard_ranks_by_commission(ledger: Harness) -> None:
    rows = _json(ledger, "leaderboard", "--by", "commission")
    assert [(r["rank"], r["partner_id"], r["commission"]) for r in rows] == [(1, "rex", 1_500), (2, "susie", 375)]


def test_downline_shows_what_the_recruiter_earned_from_each_recruit(ledger: Harness) -> None:
    [row] = _json(ledger, "downline", "susie")
    assert (row["recruit_id"], row["commission_net"], row["recruit_revenue"]) == ("rex", 375, 7_500)


def test_statement_csv_lists_the_partners_ledger_lines(ledger: Harness) -> None:
    result = ledger.ledger("statement", "rex", "--from", "2026-03-01", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["record"], r["cause"], r["amount"]) for r in rows] == [
        ("opening", "", ""), ("line", "sale", "2000"), ("line", "refund", "500"), ("closing", "", "")]


def test_milestones_of_a_partner_without_milestones_is_empty(ledger: Harness) -> None:
    assert _json(ledger, "milestones", "rex") == []

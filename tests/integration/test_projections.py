"""Each read model equals a straightforward recomputation from the ledger's own events."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime
from typing import Any

import psycopg
import pytest

from ledger.database import ledger_env
from ledger.rules.postings import Posting, account_balances
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter
from projections.milestones import MilestoneProgressView
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from tests.builders import at, declined, inbound, joined, program, refund, sale

pytestmark = pytest.mark.integration
MILESTONE = {"id": "two", "metric": "sales_count", "threshold": 2, "period": "month", "clawback": True,
             "bonus": {"amount": 700, "currency": "USD"}}


def history(seed: int) -> list[dict[str, Any]]:
    """A three-level program, a recruitment tree and sales with refunds and declines."""
    rnd = random.Random(seed)
    events = [program(tiers=("0.10", "0.05", "0.02"), milestones=[MILESTONE])]
    for i in range(8):
        events.append(joined(f"p{i}", f"p{rnd.randrange(i)}" if i else None))
    for n in range(60):
        amount, day = rnd.randrange(100, 30_000), rnd.randrange(2, 27)
        events.append(sale(f"S{n}", f"p{rnd.randrange(8)}", amount, day=day))
        fate = rnd.random()
        if fate < 0.15:
            events.append(refund(f"S{n}", rnd.randrange(1, amount + 1), day=day + 1))
        elif fate < 0.25:
            events.append(declined("x", f"S{n}", amount, day=day + 1))
    return events


Projected = tuple[LedgerWriter, psycopg.Connection[Any]]


def _writer(database_url: str) -> LedgerWriter:
    return LedgerWriter(PostgresStore.connect(ledger_env(database_url)))


@pytest.fixture(params=[1, 2, 3])
def projected(request: pytest.FixtureRequest, database_url: str) -> Projected:
    """A ledger with a generated history, and its projections caught up."""
    writer = _writer(database_url)
    events = history(request.param)
    for start in range(0, len(events), 25):
        writer.apply([inbound(e) for e in events[start:start + 25]])
    ProjectionRunner(database_url, all_projections()).catch_up()
    return writer, psycopg.connect(database_url, autocommit=True)


def _postings(database_url: str) -> list[Posting]:
    """Every posting in the log, read back from PostgreSQL."""
    store = PostgresStore.connect(ledger_env(database_url))
    rows = []
    with store.datastore.transaction(commit=False) as curs:
        curs.execute("SELECT state FROM ledger.entries WHERE topic LIKE '%:applied' ORDER BY notification_id")
        rows = [bytes(r["state"]) for r in curs.fetchall()]
    from ledger.store import codec
    return [p for row in rows for p in codec.decision_of(codec.decode(row)).postings]  # type: ignore[union-attr]


def test_partner_balances_equal_the_postings(projected: Projected, database_url: str) -> None:
    _, db = projected
    postings = _postings(database_url)
    expected = {(account.split(":")[1], bucket): amount for (account, _), amount in account_balances(postings).items()
                if account.startswith("partner:") for bucket in [account.rsplit(":", 1)[1]] if amount}
    rows = db.execute("SELECT partner_id, pending, available, paid FROM projections.partner_balances").fetchall()
    found = {(p, b): v for p, *values in rows for b, v in zip(("pending", "available", "paid"), values) if v}
    assert found == expected


def test_commission_lines_equal_accruals_minus_reversals(projected: Projected, database_url: str) -> None:
    _, db = projected
    expected: dict[tuple[str, str, int], int] = defaultdict(int)
    for posting in _postings(database_url):
        if posting.cause in ("commission", "refund", "decline", "correction"):
            sign = 1 if posting.cause == "commission" else -1
            who = (posting.destination if sign > 0 else posting.source).split(":")[1]
            expected[(posting.ref, who, posting.level)] += sign * posting.amount
    rows = db.execute("SELECT sale_id, partner_id, level, earned - reversed FROM projections.commission_lines")
    assert {(s, p, lv): net for s, p, lv, net in rows} == dict(expected)


def test_second_tier_attribution_sums_the_recruiters_deeper_commission(projected: Projected) -> None:
    _, db = projected
    deeper = db.execute("SELECT partner_id, sum(earned - reversed) FROM projections.commission_lines "
                        "WHERE level >= 2 GROUP BY partner_id").fetchall()
    attributed = db.execute("SELECT recruiter_id, sum(commission_net) FROM projections.second_tier_attribution "
                            "GROUP BY recruiter_id").fetchall()
    assert dict(attributed) == {p: int(v) for p, v in deeper}


def test_milestone_progress_equals_the_writers_progress(projected: Projected) -> None:
    writer, db = projected
    expected = {"|".join(key): (p.value, p.awarded, MILESTONE["threshold"]) for key, p in writer.state.progress.items()}
    rows = db.execute("SELECT progress_key, value, achieved, threshold FROM projections.milestone_progress_rows")
    assert {r[0]: (r[1], r[2], r[3]) for r in rows} == expected


def test_rebuilding_every_projection_reproduces_the_live_tables(projected: Projected, database_url: str) -> None:
    _, db = projected
    tables = ["partner_balances", "partner_rows", "partner_memberships", "program_versions", "sales", "declines",
              "commission_lines", "milestone_progress_rows", "statement_lines"]
    live = {t: db.execute(f"SELECT * FROM projections.{t} ORDER BY 1, 2").fetchall() for t in tables}
    runner = ProjectionRunner(database_url, all_projections())
    for projection in all_projections():
        runner.rebuild(projection)
    assert {t: db.execute(f"SELECT * FROM projections.{t} ORDER BY 1, 2").fetchall() for t in tables} == live


@pytest.fixture
def analyst(projected: Projected, database_url: str) -> Any:
    """A connection as a freshly granted analyst role."""
    import uuid

    from projections.roles import grant_analyst

    role = f"analyst_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        grant_analyst(admin, role, None)
    conn = psycopg.connect(database_url, user=role, autocommit=True)
    yield conn
    conn.close()


def test_the_analyst_role_reads_the_views(analyst: Any) -> None:
    assert analyst.execute("SELECT count(*) FROM projections.leaderboard").fetchone()[0] > 0


@pytest.mark.parametrize("table", ["ledger.entries", "ledger.personal_data", "ledger.parked_messages",
                                   "projections.partner_referrals"])
def test_the_analyst_role_is_refused_the_raw_ledger_and_contact_data(analyst: Any, table: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        analyst.execute(f"SELECT * FROM {table}")


def test_statement_lines_add_up_to_each_partners_balances(projected: Projected) -> None:
    _, db = projected
    moved = db.execute("""
        SELECT partner_id, bucket, sum(delta) FROM (
            SELECT partner_id, split_part(destination, ':', 3) AS bucket, amount AS delta
            FROM projections.statement_lines WHERE destination LIKE 'partner:%'
            UNION ALL
            SELECT partner_id, split_part(source, ':', 3), -amount
            FROM projections.statement_lines WHERE source LIKE 'partner:%') m
        GROUP BY 1, 2 HAVING sum(delta) <> 0""").fetchall()
    rows = db.execute("SELECT partner_id, pending, available, paid FROM projections.partner_balances").fetchall()
    balances = {(p, b): v for p, *values in rows for b, v in zip(("pending", "available", "paid"), values) if v}
    assert {(p, b): int(v) for p, b, v in moved} == balances


def test_a_program_version_dated_in_the_future_is_not_yet_in_effect(database_url: str) -> None:
    writer = _writer(database_url)
    future = program(referral_info="full_name_email") | {"occurred_at": "2099-01-01T00:00:00+00:00"}
    writer.apply([inbound(e) for e in (program(referral_info="none"), future)])
    ProjectionRunner(database_url, all_projections()).catch_up()
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT referral_info FROM projections.programs").fetchall() == [("none",)]


def test_achieved_at_is_the_event_time_of_the_sale_that_crossed_even_arriving_first(database_url: str) -> None:
    writer = _writer(database_url)
    writer.apply([inbound(e) for e in (program(milestones=[MILESTONE]), joined("rex"), sale("S-2", "rex", 10_000,
                                                                                             day=20))])
    writer.apply([inbound(sale("S-1", "rex", 10_000, day=5))])  # the earlier sale, arriving last
    runner = ProjectionRunner(database_url, all_projections())
    runner.catch_up()
    query = "SELECT achieved_at FROM projections.milestone_progress WHERE partner_id = 'rex'"
    with psycopg.connect(database_url) as conn:
        live = conn.execute(query).fetchall()
        runner.rebuild(MilestoneProgressView())
        assert live == conn.execute(query).fetchall() == [(datetime.fromisoformat(at(20)),)]


def test_a_self_referred_renewal_past_the_recurring_cap_counts_for_nothing_in_the_leaderboard(
        database_url: str) -> None:
    renewal = {"subscription_id": "SUB-1"}
    writer = _writer(database_url)
    writer.apply([inbound(e) for e in (program(recurring={"max_payments": 1}), joined("rex"),
                                       sale("P-1", "rex", 1_000, day=2) | renewal,
                                       sale("P-2", "rex", 1_000, day=3, email="rex@partners.example") | renewal)])
    ProjectionRunner(database_url, all_projections()).catch_up()
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT sales, revenue FROM projections.leaderboard "
                           "WHERE period_kind = 'lifetime' AND partner_id = 'rex'").fetchone()
    assert row == (1, 1_000)

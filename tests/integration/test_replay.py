"""`ledger replay` rebuilds the read models as the ledger stood at a cut, into a schema of its own."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
import pytest

from ledger.rules.periods import instant, micros
from projections.cut import Cut
from projections.replay import replay
from tests.builders import at, joined, payout, program, refund, sale
from tests.integration.harness import Harness, wait_for

pytestmark = pytest.mark.integration
Tables = dict[str, list[tuple[Any, ...]]]
FIRST = [program(event_id="p1"), joined("susie", event_id="j-susie"),
         joined("rex", recruited_by="susie", event_id="j-rex"), sale("S-1", "rex", 10_000, day=2),
         sale("S-2", "rex", 4_000, day=5), refund("S-2", 1_000, day=6)]
# Recorded after the save: a refund, a payout, a later sale, and a sale dated back before the save.
LATER = [refund("S-1", 2_500, day=8), sale("S-3", "rex", 6_000, day=10), payout("rex", 1_000, day=20),
         sale("S-4", "susie", 3_000, day=3)]
AS_OF = at(7)


@dataclass(frozen=True)
class Story:
    """A ledger fed in two parts, with its read models saved between them."""

    harness: Harness
    saved: Tables
    head: int
    known_at_us: int


def tables(conn: psycopg.Connection[Any], schema: str) -> Tables:
    """Every row of every table of a schema but its bookkeeping, in a stable order."""
    names = [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE' "
        "AND table_name NOT IN ('tracking', 'layout', 'replay') ORDER BY 1", (schema,))]
    found = {}
    for name in names:
        width = len(conn.execute(f"SELECT * FROM {schema}.{name} LIMIT 0").description or [])
        order = ", ".join(str(i) for i in range(1, width + 1))
        found[name] = conn.execute(f"SELECT * FROM {schema}.{name} ORDER BY {order}").fetchall()
    return found


def _consistent_save(conn: psycopg.Connection[Any]) -> tuple[int, Tables] | None:
    """The head and the live tables, read in one snapshot in which every projection is at the head."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        head = conn.execute("SELECT coalesce(max(notification_id), 0) FROM ledger.entries").fetchone()[0]
        positions = [r[0] for r in conn.execute("SELECT position FROM projections.tracking")]
        return (head, tables(conn, "projections")) if positions and set(positions) == {head} else None


@pytest.fixture(scope="module")
def story(module_harness: Harness) -> Story:
    """Feed the first events, save every live table and the time, then feed the later ones."""
    harness = module_harness
    harness.start_worker()
    harness.apply(FIRST)
    with psycopg.connect(harness.settings.database_url or "") as conn:
        head, saved = wait_for(lambda: _consistent_save(conn), "the projections to reach the head")
        known_at_us = time.time_ns() // 1000
        later = conn.execute("SELECT max(notification_id) FROM ledger.entries").fetchone()[0]
        assert later == head, "nothing may be recorded between the save and its time"
    time.sleep(0.01)  # the writer's clock: what it records from now on is recorded after `known_at_us`
    harness.apply(LATER)
    return Story(harness, saved, head, known_at_us)


def _replay(story: Story, *args: str) -> Tables:
    result = story.harness.ledger("replay", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    schema = args[args.index("--schema") + 1]
    with psycopg.connect(story.harness.settings.database_url or "", autocommit=True) as conn:
        return tables(conn, schema)


def _live(story: Story) -> Tables:
    with psycopg.connect(story.harness.settings.database_url or "", autocommit=True) as conn:
        return tables(conn, "projections") | {"tracking": conn.execute(
            "SELECT * FROM projections.tracking ORDER BY 1").fetchall()}


def test_the_live_tables_moved_on_after_the_save(story: Story) -> None:
    assert {k: v for k, v in _live(story).items() if k != "tracking"} != story.saved


def test_a_replay_at_the_saved_head_equals_the_live_tables_saved_then(story: Story) -> None:
    assert _replay(story, "--position", str(story.head), "--schema", "at_head") == story.saved


def test_a_replay_as_known_at_the_saved_time_equals_the_live_tables_saved_then(story: Story) -> None:
    assert _replay(story, "--known-at", _iso(story.known_at_us), "--schema", "known_then") == story.saved


def test_a_replay_as_of_counts_a_back_dated_event_that_as_known_at_leaves_out(story: Story) -> None:
    as_of = _replay(story, "--as-of", AS_OF, "--schema", "as_of_day_7")
    known = _replay(story, "--known-at", _iso(story.known_at_us), "--schema", "known_at_save")
    assert "S-4" in {row[0] for row in as_of["sales"]}
    assert "S-4" not in {row[0] for row in known["sales"]}


def test_a_replay_as_of_leaves_out_what_happened_after_then(story: Story) -> None:
    as_of = _replay(story, "--as-of", AS_OF, "--schema", "as_of_day_7_again")
    assert {(row[0], row[5]) for row in as_of["sales"]} == {("S-1", 0), ("S-2", 1_000), ("S-4", 0)}
    assert {row[4] for row in as_of["statement_lines"]} == {"commission", "reversal"}
    assert all(row[3] <= datetime.fromisoformat(AS_OF) for row in as_of["statement_lines"])


def test_a_replay_of_one_projection_builds_only_its_tables(story: Story) -> None:
    built = _replay(story, "--position", str(story.head), "--projection", "statement_lines", "--schema", "lines")
    assert built == {"statement_lines": story.saved["statement_lines"]}


def test_a_replay_leaves_the_live_projections_and_their_tracking_unchanged(story: Story) -> None:
    before = _live(story)
    _replay(story, "--as-of", AS_OF, "--schema", "untouched_check")
    assert _live(story) == before


def test_replaying_into_the_same_schema_again_gives_the_same_tables(story: Story) -> None:
    first = _replay(story, "--position", str(story.head), "--schema", "twice")
    assert _replay(story, "--position", str(story.head), "--schema", "twice") == first == story.saved


def test_a_replay_is_named_after_its_cut_and_says_how_to_query_it(story: Story) -> None:
    result = story.harness.ledger("replay", "--position", str(story.head))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"replay_position_{story.head}.partner_balances" in result.stdout
    assert f"DROP SCHEMA replay_position_{story.head} CASCADE" in result.stdout


@pytest.mark.parametrize("schema", ["projections", "ledger", "access", "public"])
def test_a_replay_refuses_to_build_into_the_ledgers_own_schemas(story: Story, schema: str) -> None:
    result = story.harness.ledger("replay", "--position", "1", "--schema", schema)
    assert result.returncode == 2
    assert "belongs to the ledger" in result.stderr


def _iso(at_us: int) -> str:
    return instant(at_us).isoformat()


def test_a_full_replay_has_the_analyst_views_over_its_own_tables(story: Story) -> None:
    _replay(story, "--position", str(story.head), "--schema", "with_views")
    with psycopg.connect(story.harness.settings.database_url or "", autocommit=True) as conn:
        counted = conn.execute("SELECT sum(sales) FROM with_views.partner_period_totals "
                               "WHERE period_kind = 'lifetime'").fetchone()[0]
    assert counted == 2  # S-1 and S-2; the live views count S-3 and S-4 too


def test_an_interrupted_replay_leaves_the_earlier_replay_of_that_schema_as_it_was(story: Story) -> None:
    url = story.harness.settings.database_url or ""
    earlier = _replay(story, "--position", str(story.head), "--schema", "interrupted")

    def interrupt(moved: int, end: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay(url, Cut(as_of_us=micros(datetime.fromisoformat(AS_OF))), "interrupted", progress=interrupt)
    with psycopg.connect(url, autocommit=True) as conn:
        assert tables(conn, "interrupted") == earlier
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'replay_build_%'").fetchone() == (0,)

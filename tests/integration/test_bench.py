"""`ledger bench` runs end to end on a small workload and its figures are consistent (not a speed test)."""

from __future__ import annotations

import pytest

from tests.integration.harness import run_command

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def figures(postgres_admin_url: str, bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One small bench run's JSON."""
    return run_command(postgres_admin_url, bootstrap, tmp_path_factory.mktemp("bench") / "home",
                       "bench", "--events", "2000", "--partners", "50", "--rate", "200")


def test_the_ledger_keeps_up_and_ends_with_zero_lag(figures: dict[str, object]) -> None:
    assert figures["end_to_end_events_per_s"] > 0 and figures["final_max_lag"] == 0  # type: ignore[operator]


def test_the_ledger_totals_equal_the_generated_workloads(figures: dict[str, object]) -> None:
    assert figures["totals_match"] is True and figures["ledger_totals"] == figures["expected_totals"]


def test_no_event_of_the_valid_workload_is_refused_or_left_waiting(figures: dict[str, object]) -> None:
    assert (figures["dead_letters"], figures["parked_at_end"]) == (0, 0)


def test_every_raw_limit_and_ratio_is_measured(figures: dict[str, object]) -> None:
    ratios = figures["ratios"]
    assert isinstance(ratios, dict) and all(value and value > 0 for value in ratios.values())


def test_the_workload_pays_partners_out_and_the_ledger_records_every_payout(figures: dict[str, object]) -> None:
    ledger, expected = figures["ledger_totals"], figures["expected_totals"]
    assert isinstance(ledger, dict) and isinstance(expected, dict)
    assert expected["paid_out"] > 0 and ledger["paid_out"] == expected["paid_out"]


def test_worker_memory_is_reported_for_each_quarter_of_the_run(figures: dict[str, object]) -> None:
    quarters = figures["worker_rss_mb_by_quarter"]
    assert isinstance(quarters, list) and len(quarters) == 4 and all(mb > 0 for mb in quarters)


def test_the_projection_process_memory_is_reported_as_part_of_the_workers(figures: dict[str, object]) -> None:
    total, part = figures["worker_rss_mb_by_quarter"], figures["projections_rss_mb_by_quarter"]
    assert isinstance(total, list) and isinstance(part, list) and len(part) == 4
    assert all(0 < mb < whole for mb, whole in zip(part, total, strict=True))


def test_the_workers_time_per_message_is_split_by_stage(figures: dict[str, object]) -> None:
    split = figures["us_per_message"]
    assert isinstance(split, dict) and sorted(split) == ["chain", "decide", "encode", "parse", "save"]
    assert all(us > 0 for us in split.values())


def test_the_hash_chains_share_of_the_workers_time_is_reported_as_part_of_the_write(
        figures: dict[str, object]) -> None:
    split = figures["us_per_message"]
    assert isinstance(split, dict) and 0 < split["chain"] < split["save"]
    assert 0 < figures["chain_share"] < 1  # type: ignore[operator]


def test_the_finished_log_verifies_against_its_hash_chain(figures: dict[str, object]) -> None:
    assert figures["verified_intact"] is True and figures["verify_positions_per_s"] > 0  # type: ignore[operator]

"""The bench's workload is mostly sales: a partner tree too large for the events is scaled down or refused."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from streams.admin import bench
from streams.bench.workload import (
    WorkloadError,
    default_partners,
    generate,
    max_partners,
)


def test_by_default_a_5000_event_bench_builds_50_partners_and_most_events_are_sales() -> None:
    partners = default_partners(5_000)
    workload = generate(5_000, partners)
    assert partners == 50 and workload.sales > 5_000 // 2


def test_by_default_a_million_event_bench_keeps_its_10000_partners() -> None:
    assert default_partners(1_000_000) == 10_000


def test_a_tree_whose_joins_fill_the_events_is_refused() -> None:
    with pytest.raises(WorkloadError, match="no room for sales"):
        generate(5_000, 10_000)


@pytest.mark.parametrize("events", [3, 4, 101, 2_000])
def test_the_largest_tree_allowed_still_leaves_sales(events: int) -> None:
    assert generate(events, max_partners(events)).sales >= 1


def test_bench_refuses_a_tree_too_large_and_names_the_options_to_change() -> None:
    result = CliRunner().invoke(bench, ["--events", "5000", "--partners", "10000"])
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "--partners 2,499 or fewer, or --events 20,001 or more" in said

"""`ledger soak` runs a short steady load end to end and reports it (not a speed test)."""

from __future__ import annotations

import pytest

from tests.integration.harness import run_command

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def report(postgres_admin_url: str, bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One twelve-second soak's JSON."""
    return run_command(postgres_admin_url, bootstrap, tmp_path_factory.mktemp("soak") / "home",
                       "soak", "--minutes", "0.2", "--rate", "50", "--partners", "20")


def test_the_soak_samples_the_run_over_time(report: dict[str, object]) -> None:
    samples = report["samples"]
    assert isinstance(samples, list) and len(samples) >= 5
    assert [s["at_s"] for s in samples] == sorted(s["at_s"] for s in samples)


def test_the_soak_ends_with_every_offered_event_decided(report: dict[str, object]) -> None:
    last = report["samples"][-1]  # type: ignore[index]
    assert last["behind"] == 0 and last["decided"] == last["published"] > 0 and last["projection_lag"] == 0


def test_the_soak_reports_throughput_and_memory(report: dict[str, object]) -> None:
    assert report["throughput"] > 0 and all(s["rss_mb"] > 0 for s in report["samples"])  # type: ignore[operator,union-attr]

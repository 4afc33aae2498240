"""The filter of recorded event ids: never says an id it was given is new."""

from __future__ import annotations

from ledger.core.seen import SeenFilter


def test_an_id_added_is_always_reported_as_possibly_seen() -> None:
    seen = SeenFilter()
    ids = [f"event-{n}" for n in range(10_000)]
    for event_id in ids:
        seen.add(event_id)
    assert all(seen.might_contain(event_id) for event_id in ids)


def test_ids_never_added_are_almost_all_reported_new() -> None:
    seen = SeenFilter()
    for n in range(10_000):
        seen.add(f"event-{n}")
    assert sum(seen.might_contain(f"other-{n}") for n in range(10_000)) <= 10

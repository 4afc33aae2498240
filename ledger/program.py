"""The Program aggregate: every version of a program's terms."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import aggregate_id
from ledger.terms import Terms, version_key
from schemas.program import ProgramConfigured


class Program(Aggregate):
    """A partner program; each configuration is a new version effective from its event time."""

    @staticmethod
    def create_id(program_id: str) -> UUID:
        return aggregate_id("program", program_id)

    @event("Configured")
    def __init__(self, program_id: str, terms: dict[str, Any]) -> None:
        self.program_id = program_id
        self.versions: list[dict[str, Any]] = [terms]

    def configure(self, configured: ProgramConfigured) -> None:
        """Add a version of the terms (it may be older than versions already known)."""
        self._reconfigured(configured.model_dump(mode="json"))

    @event("Reconfigured")
    def _reconfigured(self, terms: dict[str, Any]) -> None:
        self.versions.append(terms)

    def terms_at(self, when: datetime) -> Terms | None:
        """The version in effect at `when`, or None before the first version."""
        in_effect = [terms for terms in self._parsed() if terms.effective_from <= when]
        return in_effect[-1] if in_effect else None

    def configured_by(self, event_id: str) -> Terms | None:
        """The version configured by event `event_id`, if known."""
        return next((terms for terms in self._parsed() if terms.event_id == event_id), None)

    def _parsed(self) -> list[Terms]:
        # Parsed once per aggregate instance; versions only ever grow.
        cached: list[Terms] | None = getattr(self, "_terms_cache", None)
        if cached is None or len(cached) != len(self.versions):
            ordered = sorted((ProgramConfigured.model_validate(v) for v in self.versions), key=version_key)
            cached = [Terms(configured) for configured in ordered]
            self._terms_cache = cached
        return cached

"""A term version that arrives after sales it governs: correct those sales by new transactions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.commissions import PartnerLookup, commission_lines
from ledger.effects import SaleEffects
from ledger.ids import transaction_id
from ledger.money import reversal_due
from ledger.partner import Partner
from ledger.program import Program
from ledger.recurring import RecurringCap
from ledger.sale import Sale
from ledger.terms import Terms


class TermsCorrection:
    """Reverses what a sale earned under the wrong version and credits what the right one pays."""

    def __init__(self, effects: SaleEffects, lookup: PartnerLookup, recurring: RecurringCap) -> None:
        self.effects = effects
        self.lookup = lookup
        self.recurring = recurring

    def correct(self, sale: Sale, program: Program, event_id: str, old_program: Program | None = None) -> list[str]:
        """Re-decide one sale under the version of `program` in effect at its time, if that changed.

        `old_program` is the program the sale was decided under when the partner has since been
        moved to `program` from a time before the sale.
        """
        terms = program.terms_at(sale.occurred_at)
        same = terms is not None and terms.event_id == sale.terms_version and sale.program_id == program.program_id
        if terms is None or sale.declined or same:
            return []
        old_terms = (old_program or program).configured_by(sale.terms_version)
        tx = transaction_id(f"correction:{sale.sale_id}:{sale.attempt}:{program.program_id}:{terms.event_id}")
        self._reverse_old_lines(sale, old_terms, tx)
        lines, note = self._new_lines(sale, terms)
        sale.correct(terms.event_id, lines, note, event_id, program.program_id)
        funded = self.effects.credit(sale, terms, f"correction:{sale.sale_id}:{sale.revision}:{terms.event_id}")
        for line in sale.lines:
            if line["reversed"]:
                self.lookup_partner(line["partner_id"]).reverse(
                    tx, sale.sale_id, line["level"], line["reversed"], sale.currency, line["bucket"], "refund",
                    sale.occurred_at)
        return funded

    def lookup_partner(self, partner_id: str) -> Partner:
        """A partner who must have joined (every line's partner has)."""
        partner = self.lookup(partner_id)
        assert partner is not None, "a line's partner has joined"
        return partner

    def _reverse_old_lines(self, sale: Sale, old_terms: Terms | None, tx: UUID) -> None:
        for line in sale.lines:
            remaining = line["amount"] - line["reversed"]
            if remaining > 0:
                self.lookup_partner(line["partner_id"]).reverse(
                    tx, sale.sale_id, line["level"], remaining, sale.currency, line["bucket"], "correction",
                    sale.occurred_at)
        if old_terms is not None and sale.counts_for_milestones:
            self.effects.progress(sale, old_terms, f"correction:{sale.sale_id}", count=-sale.still_counted,
                                  revenue=-(sale.amount - sale.refunded))

    def _new_lines(self, sale: Sale, terms: Terms) -> tuple[list[dict[str, Any]], str | None]:
        seller = self.lookup_partner(sale.partner_id)
        lines, note = commission_lines(terms, seller, self.lookup, sale.product_id, sale.amount, sale.currency,
                                       sale.customer.get("email", ""))
        lines, note = self.recurring.recap(sale, terms, lines, note)
        for line in lines:
            line["reversed"] = reversal_due(line["amount"], 0, sale.refunded, sale.amount)
        return lines, note


"""Re-deciding a sale under the terms that govern it, when those arrive late: a correcting transaction."""

from __future__ import annotations

from ledger.core.changes import SaleCorrected, SlotReleased, SlotTaken
from ledger.core.decision import Draft
from ledger.core.entities import Program, Sale
from ledger.core.money_moves import Attempt, credit, progress, reverse
from ledger.core.selling import Lines, earned_lines
from ledger.rules import corrections, recurring
from ledger.rules.terms import Terms


def correct(draft: Draft, sale: Sale, program: Program, event_id: str, old_program: Program | None = None) -> None:
    """Reverse what the sale holds under its old terms and credit what the terms now in effect pay.

    `old_program` is the program the sale was decided under, when its partner has since been
    moved to `program` from a time before the sale.
    """
    terms = program.terms_at(sale.at_us)
    if not corrections.needs_correction(declined=sale.declined, sale_program=sale.program_id,
                                        sale_terms=sale.terms_version, program_id=program.program_id,
                                        terms_event_id=terms.event_id if terms else None):
        return
    assert terms is not None
    old = Attempt(sale.sale_id, sale.partner_id, sale.program_id, sale.currency, sale.at_us, sale.attempt,
                  sale.revision)
    held = corrections.still_held([(ln.amount, ln.reversed) for ln in sale.lines])
    reverse(draft, old, [(ln.partner_id, ln.level, ln.bucket) for ln in sale.lines], held, "correction", sale.at_us)
    old_terms = (old_program or program).version(sale.terms_version)
    if old_terms is not None and sale.counts_for_milestones:
        progress(draft, old, old_terms, -sale.still_counted, -(sale.amount - sale.refunded), sale.at_us)
    lines, note = _new_lines(draft, sale, terms)
    taken = corrections.refunded_share([amount for _, _, amount, _ in lines], sale.refunded, sale.amount)
    revision = sale.revision + 1
    draft.changes.append(SaleCorrected(sale.sale_id, program.program_id, terms.event_id, revision,
                                       [(*line, back) for line, back in zip(lines, taken, strict=True)], note))
    new = Attempt(sale.sale_id, sale.partner_id, program.program_id, sale.currency, sale.at_us, sale.attempt, revision)
    credit(draft, new, lines, terms, f"correction:{sale.sale_id}:{revision}:{terms.event_id}")
    if any(level == 1 for _, level, _, _ in lines):
        progress(draft, new, terms, sale.still_counted, sale.amount - sale.refunded, sale.at_us)
    reverse(draft, new, [(p, level, bucket) for p, level, _, bucket in lines], taken, "refund", sale.at_us)


def _new_lines(draft: Draft, sale: Sale, terms: Terms) -> tuple[Lines, str | None]:
    lines, note = earned_lines(draft.state, terms, sale.partner_id, sale.product_id, sale.amount, sale.currency,
                               sale.own_customer)
    if sale.subscription_id is None or sale.subscription_id not in draft.state.subscriptions:
        return lines, note
    subscription = draft.subscription(sale.subscription_id, sale.at_us)
    holds = sale.sale_id in subscription.earning
    capped = recurring.cap_note(max_payments=terms.max_payments, max_months=terms.max_months,
                                first_us=subscription.first_us, earning=subscription.earning,
                                sale_id=sale.sale_id, at_us=sale.at_us, only_earlier=True)
    if capped or not lines:
        if holds:
            del subscription.earning[sale.sale_id]
            draft.changes.append(SlotReleased(sale.subscription_id, sale.sale_id))
        return ([], capped) if capped else (lines, note)
    if not holds:
        subscription.earning[sale.sale_id] = sale.at_us
        draft.changes.append(SlotTaken(sale.subscription_id, sale.sale_id, sale.at_us))
    return lines, note

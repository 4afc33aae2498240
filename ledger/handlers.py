"""One handler per input event type: check, then change aggregates in the unit of work."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import singledispatchmethod
from typing import Any

from ledger.commissions import commission_lines
from ledger.corrections import TermsCorrection
from ledger.decline import Decline
from ledger.effects import SaleEffects
from ledger.errors import (
    PrerequisiteMissingError,
    RecruitmentError,
    RejectedError,
    UnknownReferenceError,
)
from ledger.ids import aggregate_id, transaction_id
from ledger.parking import declined_key, partner_key, program_key, sale_key
from ledger.partner import Partner, email_digest
from ledger.program import Program
from ledger.recurring import RecurringCap
from ledger.sale import Sale
from ledger.terms import Terms
from ledger.unit_of_work import UnitOfWork, referenced_ids
from schemas.events import (
    ChargeDeclined,
    PartnerJoined,
    PartnerProgramChanged,
    PayoutSent,
    RefundIssued,
    SaleCompleted,
)
from schemas.program import ProgramConfigured
from schemas.reasons import Reason

SalesIndex = Callable[[str, str, datetime], list[tuple[str, datetime]]]


class Handlers:
    """Applies validated input events (the ledger's commands) to aggregates."""

    def __init__(self, uow: UnitOfWork, sales_index: SalesIndex | None = None) -> None:
        self.uow = uow
        self.effects = SaleEffects(uow, self.require_partner)
        self.recurring = RecurringCap(uow)
        self.corrections = TermsCorrection(self.effects, self.partner, self.recurring)
        self.sales_index = sales_index

    def prefetch(self, events: Sequence[object]) -> None:
        """Load what these events will read in two queries: the aggregates they name, then their milestones."""
        self.uow.prefetch(referenced_ids(events))
        self.uow.prefetch(self.effects.progress_ids(e for e in events if isinstance(e, SaleCompleted)))

    @singledispatchmethod
    def handle(self, event: object) -> list[str]:
        """Apply one event; returns the keys of what it made available (for parked events)."""
        raise TypeError(f"no handler for {type(event).__name__}")

    @handle.register
    def record_program(self, event: ProgramConfigured) -> list[str]:
        program = self.uow.get(Program, Program.create_id(event.program_id))
        if program is None:
            self.uow.add(Program(program_id=event.program_id, terms=event.model_dump(mode="json")))
            return [program_key(event.program_id)]
        program.configure(event)
        return [program_key(event.program_id), *self.correct_sales(program, event)]

    def correct_sales(self, program: Program, event: ProgramConfigured) -> list[str]:
        """Sales from this version's time on that were decided under another version are corrected."""
        funded: list[str] = []
        for sale in self.sales_since("program", program.program_id, event.occurred_at):
            if sale.program_id == program.program_id:
                funded += self.corrections.correct(sale, program, event.event_id)
        return sorted(set(funded))

    def sales_since(self, kind: str, key: str, since: datetime) -> list[Sale]:
        """A program's or partner's sales from `since` on, recorded or in this batch, in event-time order."""
        stored = self.sales_index(kind, key, since) if self.sales_index else []
        self.uow.index_reads.append((kind, key, since, len(stored)))
        column = 1 if kind == "program" else 2
        in_batch = [(row[0], row[3]) for row in self.uow.sales_decided if row[column] == key and row[3] >= since]
        found = (self.uow.get(Sale, Sale.create_id(sale_id)) for sale_id, _ in
                 sorted({*stored, *in_batch}, key=lambda s: (s[1], s[0])))
        return [sale for sale in found if sale is not None]

    @handle.register
    def join_partner(self, event: PartnerJoined) -> list[str]:
        if self.partner(event.partner_id) is not None:
            raise RejectedError(f"partner {event.partner_id} already joined; use "
                                "partner.program_changed to move programs", Reason.PARTNER_ALREADY_JOINED)
        self.check_recruitment(event.partner_id, event.recruited_by)
        self.uow.add(Partner(
            partner_id=event.partner_id, program_id=event.program_id, recruited_by=event.recruited_by,
            name=event.name, email_digest=email_digest(event.email), joined_at=event.occurred_at,
            event_id=event.event_id,
        ))
        return [partner_key(event.partner_id)]

    def check_recruitment(self, partner_id: str, recruited_by: str | None) -> None:
        """Refuse self-recruitment and recruitment chains that loop back to the partner."""
        if recruited_by == partner_id:
            raise RecruitmentError(f"partner {partner_id} cannot recruit themselves", Reason.SELF_RECRUITMENT)
        current, seen = recruited_by, set()
        while current is not None and current not in seen:
            if current == partner_id:
                raise RecruitmentError(f"recruitment by {recruited_by} would make a cycle")
            seen.add(current)
            recruiter = self.require_partner(current)
            current = recruiter.recruited_by

    @handle.register
    def change_program(self, event: PartnerProgramChanged) -> list[str]:
        partner = self.require_partner(event.partner_id)
        target = self.uow.get(Program, Program.create_id(event.program_id))
        if target is None:
            raise UnknownReferenceError(f"program {event.program_id} is not configured", Reason.UNKNOWN_PROGRAM,
                                        program_key(event.program_id))
        partner.change_program(program_id=event.program_id, effective_at=event.occurred_at, event_id=event.event_id)
        funded: list[str] = []
        for sale in self.sales_since("partner", partner.partner_id, event.occurred_at):
            if sale.partner_id == partner.partner_id and partner.program_at(sale.occurred_at) == target.program_id:
                previous = self.uow.get(Program, Program.create_id(sale.program_id))
                funded += self.corrections.correct(sale, target, event.event_id, previous)
        return sorted(set(funded))

    @handle.register
    def record_sale(self, event: SaleCompleted) -> list[str]:
        seller = self.require_partner(event.partner_id)
        existing = self.uow.get(Sale, Sale.create_id(event.sale_id))
        if existing is not None and not existing.declined:
            # Perhaps a retried charge whose decline has not arrived yet: wait for it.
            raise PrerequisiteMissingError(f"sale {event.sale_id} is already recorded and not declined",
                                           Reason.DUPLICATE_SALE, declined_key(event.sale_id))
        program_id = seller.program_at(event.occurred_at)
        terms = self.terms_at(program_id, event)
        lines, note = commission_lines(terms, seller, self.partner, event.product_id, event.amount.amount,
                                       event.amount.currency, event.customer.email)
        lines, note = self.recurring.cap(event, terms, lines, note)
        sale = self.place_sale(event, existing, program_id, lines, note, terms.event_id)
        return [sale_key(event.sale_id), *self.effects.credit(sale, terms, event.event_id)]

    def place_sale(self, event: SaleCompleted, existing: Sale | None, program_id: str,
                   lines: list[dict[str, Any]], note: str | None, terms_version: str) -> Sale:
        """Record a new sale, or a new attempt of a declined one."""
        if existing is not None:
            existing.retry(amount=event.amount.amount, program_id=program_id, lines=lines, note=note,
                           occurred_at=event.occurred_at, event_id=event.event_id, terms_version=terms_version)
            return existing
        sale = Sale(
            sale_id=event.sale_id, partner_id=event.partner_id, product_id=event.product_id,
            amount=event.amount.amount, currency=event.amount.currency, customer=event.customer.model_dump(),
            subscription_id=event.subscription_id, program_id=program_id, lines=lines, note=note,
            occurred_at=event.occurred_at, event_id=event.event_id, terms_version=terms_version,
        )
        self.uow.add(sale)
        return sale

    @handle.register
    def refund_sale(self, event: RefundIssued) -> list[str]:
        sale = self.require_sale(event.sale_id)
        reversals = sale.refund(event.refund_id, event.amount.amount, event.amount.currency,
                                event.event_id, event.occurred_at)
        taken_back = (1 if sale.refunded == sale.amount else 0, event.amount.amount)
        return self.effects.debit(sale, self.sale_terms(sale), reversals, "refund", event.event_id,
                                  event.occurred_at, taken_back)

    @handle.register
    def decline_charge(self, event: ChargeDeclined) -> list[str]:
        return self.record_decline(event, self.require_sale(event.sale_id) if event.sale_id else None)

    def record_decline(self, event: ChargeDeclined, sale: Sale | None) -> list[str]:
        """Record a declined charge; reverse the sale it names if that sale is recorded."""
        if self.uow.get(Decline, Decline.create_id(event.decline_id)) is not None:
            raise RejectedError(f"decline {event.decline_id} was already recorded", Reason.DUPLICATE_ID)
        declined_now = sale is not None and not sale.declined
        funded: list[str] = []
        if sale is not None and not sale.declined:
            taken_back = (1 if sale.refunded < sale.amount else 0, sale.amount - sale.refunded)
            reversals = sale.decline(event.decline_id, event.event_id, event.occurred_at)
            self.recurring.release(sale.subscription_id, sale.sale_id)
            funded = self.effects.debit(sale, self.sale_terms(sale), reversals, "decline", event.event_id,
                                        event.occurred_at, taken_back)
        self.uow.add(Decline(
            decline_id=event.decline_id, partner_id=event.partner_id, sale_id=event.sale_id,
            product_id=event.product_id, amount=event.amount.amount, currency=event.amount.currency,
            customer=event.customer.model_dump(), reason=event.reason, reversed_sale=declined_now,
            occurred_at=event.occurred_at, event_id=event.event_id,
        ))
        return [declined_key(event.sale_id), *funded] if declined_now else []

    @handle.register
    def send_payout(self, event: PayoutSent) -> list[str]:
        partner = self.require_partner(event.partner_id)
        program_id = partner.program_at(event.occurred_at)
        program = self.uow.get(Program, Program.create_id(program_id))
        terms = program.terms_at(event.occurred_at) if program else None
        minimum = terms.configured.min_payout if terms else None
        if minimum is not None and minimum.currency != event.amount.currency:
            minimum = None
        partner.pay_out(transaction_id(event.event_id), event.payout_id, event.amount.amount,
                        event.amount.currency, event.occurred_at, minimum.amount if minimum else None)
        return []

    def sale_terms(self, sale: Sale) -> Terms | None:
        """The terms the sale was decided under."""
        program = self.uow.get(Program, Program.create_id(sale.program_id))
        return program.terms_at(sale.occurred_at) if program else None

    def partner(self, partner_id: str) -> Partner | None:
        """A partner, or None if they have not joined."""
        return self.uow.get(Partner, aggregate_id("partner", partner_id))

    def require_partner(self, partner_id: str) -> Partner:
        """A partner that must have joined."""
        partner = self.partner(partner_id)
        if partner is None:
            raise UnknownReferenceError(f"partner {partner_id} has not joined", Reason.UNKNOWN_PARTNER,
                                        partner_key(partner_id))
        return partner

    def require_sale(self, sale_id: str) -> Sale:
        """A sale that must have been recorded."""
        sale = self.uow.get(Sale, Sale.create_id(sale_id))
        if sale is None:
            raise UnknownReferenceError(f"sale {sale_id} is not recorded", Reason.UNKNOWN_SALE, sale_key(sale_id))
        return sale

    def terms_at(self, program_id: str, event: SaleCompleted) -> Terms:
        """The program's terms in effect at the sale's time."""
        program = self.uow.get(Program, Program.create_id(program_id))
        if program is None:
            raise UnknownReferenceError(f"program {program_id} is not configured", Reason.UNKNOWN_PROGRAM,
                                        program_key(program_id))
        terms = program.terms_at(event.occurred_at)
        if terms is None:
            raise UnknownReferenceError(
                f"program {program_id} has no terms in effect at {event.occurred_at.isoformat()}",
                Reason.NO_TERMS_IN_EFFECT, program_key(program_id))
        return terms

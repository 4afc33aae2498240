"""Who earns what on one sale: the recruitment chain and the commission lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.partner import Partner, email_digest
from ledger.terms import Terms

PartnerLookup = Callable[[str], Partner | None]


def recruitment_chain(seller: Partner, lookup: PartnerLookup, depth: int) -> list[Partner]:
    """The seller, their recruiter, and so on up to `depth` partners; never one partner twice."""
    chain = [seller]
    seen = {seller.partner_id}
    current = seller
    while len(chain) < depth and current.recruited_by and current.recruited_by not in seen:
        recruiter = lookup(current.recruited_by)
        if recruiter is None:
            break
        chain.append(recruiter)
        seen.add(recruiter.partner_id)
        current = recruiter
    return chain


def commission_lines(
    terms: Terms, seller: Partner, lookup: PartnerLookup, product_id: str, amount: int,
    currency: str, customer_email: str,
) -> tuple[list[dict[str, Any]], str | None]:
    """Commission lines of a sale, and a note saying why it earns nothing when it doesn't."""
    if seller.email_digest and email_digest(customer_email) == seller.email_digest:
        return [], "self_referral"
    amounts = terms.level_amounts(product_id, amount, currency)
    if amounts is None:
        return [], "product_not_eligible"
    bucket = "pending" if terms.hold_days > 0 else "available"
    chain = recruitment_chain(seller, lookup, len(amounts))
    lines = [
        {"partner_id": partner.partner_id, "level": level.level, "amount": level.amount, "bucket": bucket}
        for partner, level in zip(chain, amounts, strict=False)
        if level.amount > 0
    ]
    return lines, None

"""Fraud guards: self-referral earns nothing; recruitment never loops."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from schemas.reasons import Reason

SELF_REFERRAL = "self_referral"


def email_digest(email: str) -> str:
    """A digest of an email, so the writer compares emails without keeping them."""
    cleaned = email.strip().lower()
    return hashlib.sha256(cleaned.encode()).hexdigest() if cleaned else ""


def is_self_referral(partner_email_digest: str, customer_email: str) -> bool:
    """A customer whose email is the selling partner's own (case-insensitive)."""
    return bool(partner_email_digest) and email_digest(customer_email) == partner_email_digest


def recruitment_refusal(partner_id: str, recruited_by: str | None,
                        recruiter_of: Callable[[str], str | None]) -> tuple[Reason, str] | None:
    """Why a recruitment is refused (self-recruitment, a cycle), or None if it is fine."""
    if recruited_by == partner_id:
        return Reason.SELF_RECRUITMENT, f"partner {partner_id} cannot recruit themselves"
    current, seen = recruited_by, set()
    while current is not None and current not in seen:
        if current == partner_id:
            return Reason.RECRUITMENT_CYCLE, f"recruitment by {recruited_by} would make a cycle"
        seen.add(current)
        current = recruiter_of(current)
    return None

"""Referred customers as the program lets the partner see them: which columns exist, and grouped by customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# (data-col, header) of each column the page may have, in order.
COLUMNS = (("customer", "Customer"), ("email", "Email"), ("product", "Product"), ("amount", "Amount"),
           ("date", "Date"), ("status", "Status"))


@dataclass(frozen=True)
class Group:
    """One customer's referrals, oldest first (with purchase history), or every referral in one group."""

    customer: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)


def columns(program: dict[str, Any]) -> list[tuple[str, str]]:
    """The columns the program's settings allow: a hidden one has no header and no cell at all."""
    info, history = program["referral_info"], program["show_purchase_history"]
    allowed = {"customer": info != "none", "email": info == "full_name_email", "product": history,
               "amount": history, "date": True, "status": True}
    return [(key, header) for key, header in COLUMNS if allowed[key]]


def groups(program: dict[str, Any], rows: list[dict[str, Any]]) -> list[Group]:
    """With purchase history and a customer the partner may name: one group per customer, each over time.
    Otherwise one group of every referral, newest first."""
    if not (program["show_purchase_history"] and program["referral_info"] != "none"):
        return [Group(None, sorted(rows, key=lambda r: (r["occurred_at"], r["ref_id"]), reverse=True))]
    by_customer: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["occurred_at"], r["ref_id"])):
        by_customer.setdefault(row["customer"] or "", []).append(row)
    return [Group(customer, found) for customer, found in sorted(by_customer.items())]

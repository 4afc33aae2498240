"""Which topic carries which event type (DESIGN §3)."""

from __future__ import annotations

TOPIC_BY_TYPE: dict[str, str] = {
    "program.configured": "programs",
    "partner.joined": "partners",
    "partner.program_changed": "partners",
    "sale.completed": "sales",
    "refund.issued": "refunds",
    "charge.declined": "declines",
    "payout.sent": "payouts",
}
INPUT_TOPICS: tuple[str, ...] = ("programs", "partners", "sales", "refunds", "declines", "payouts")
DLQ_TOPIC = "ledger-dlq"
NOTIFICATIONS_TOPIC = "commission-notifications"

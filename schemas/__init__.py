"""Public event contracts: pydantic models of every input event, money and reason codes."""

from schemas.events import (
    ChargeDeclined,
    Customer,
    InputEvent,
    PartnerJoined,
    PartnerProgramChanged,
    PayoutSent,
    RefundIssued,
    SaleCompleted,
)
from schemas.money import Money, Rate
from schemas.parsing import Invalid, event_schema, parse_event
from schemas.program import Milestone, ProductRule, ProgramConfigured, Recurring, Tier
from schemas.reasons import Reason
from schemas.topics import DLQ_TOPIC, INPUT_TOPICS, NOTIFICATIONS_TOPIC, TOPIC_BY_TYPE

__all__ = [
    "DLQ_TOPIC",
    "INPUT_TOPICS",
    "NOTIFICATIONS_TOPIC",
    "TOPIC_BY_TYPE",
    "ChargeDeclined",
    "Customer",
    "InputEvent",
    "Invalid",
    "Milestone",
    "Money",
    "PartnerJoined",
    "PartnerProgramChanged",
    "PayoutSent",
    "ProductRule",
    "ProgramConfigured",
    "Rate",
    "Reason",
    "Recurring",
    "RefundIssued",
    "SaleCompleted",
    "Tier",
    "event_schema",
    "parse_event",
]

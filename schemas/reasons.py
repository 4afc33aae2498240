"""Reason codes for rejected input; each is documented in the README's DLQ table."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a message went to the dead-letter queue."""

    MALFORMED_JSON = "malformed_json"
    MESSAGE_TOO_LARGE = "message_too_large"
    NESTED_TOO_DEEP = "nested_too_deep"
    UNKNOWN_TYPE = "unknown_type"
    SCHEMA_VIOLATION = "schema_violation"
    INVALID_MONEY = "invalid_money"
    WRONG_TOPIC = "wrong_topic"
    UNKNOWN_PROGRAM = "unknown_program"
    NO_TERMS_IN_EFFECT = "no_terms_in_effect"
    UNKNOWN_PARTNER = "unknown_partner"
    PARTNER_ALREADY_JOINED = "partner_already_joined"
    SELF_RECRUITMENT = "self_recruitment"
    RECRUITMENT_CYCLE = "recruitment_cycle"
    UNKNOWN_SALE = "unknown_sale"
    DUPLICATE_SALE = "duplicate_sale"
    CURRENCY_MISMATCH = "currency_mismatch"
    OVER_REFUND = "over_refund"
    SALE_DECLINED = "sale_declined"
    OVER_PAYOUT = "over_payout"
    BELOW_MIN_PAYOUT = "below_min_payout"
    DUPLICATE_ID = "duplicate_id"
    EVENT_ID_REUSED = "event_id_reused"
    PROCESSING_ERROR = "processing_error"

"""Scrubbing a forgotten customer out of stored message bytes, and snapshots that never hold personal data."""

from __future__ import annotations

import json
import zlib

from ledger.store import scrub
from tests.builders import inbound, program, sale
from tests.core_ledger import CoreLedger

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


def _sale_message(contact_id: str = "c-S-1") -> bytes:
    event = sale("S-1", "rex", 1_000, email=ADA["email"], event_id="sale-1")
    event["customer"]["contact_id"] = contact_id
    return json.dumps(event).encode()


def test_a_json_message_naming_the_customer_has_every_personal_field_erased() -> None:
    scrubbed = json.loads(scrub.scrub(_sale_message(), {"c-S-1"}))
    assert scrubbed["customer"] == {"contact_id": "c-S-1", "first_name": scrub.ERASED, "last_name": scrub.ERASED,
                                    "email": scrub.ERASED}


def test_a_json_message_keeps_everything_but_the_personal_fields() -> None:
    original, scrubbed = json.loads(_sale_message()), json.loads(scrub.scrub(_sale_message(), {"c-S-1"}))
    del original["customer"], scrubbed["customer"]
    assert scrubbed == original


def test_a_json_message_naming_another_customer_is_left_as_it_is() -> None:
    assert scrub.scrub(_sale_message("c-other"), {"c-S-1"}) == _sale_message("c-other")


def test_bytes_that_are_not_json_have_the_name_and_email_replaced() -> None:
    broken = b'{"event_id": "x", "customer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"'
    scrubbed = scrub.scrub(broken, {"c-S-1"}, ADA)
    assert (b"Ada" in scrubbed, b"Lovelace" in scrubbed, b"ada@example.com" in scrubbed) == (False, False, False)


def test_a_name_escaped_in_json_is_replaced_in_bytes_that_are_not_json() -> None:
    zoe = {"first_name": "Zoë", "last_name": "", "email": ""}
    assert scrub.scrub(b'{"first_name": "Zo\\u00eb", oops', set(), zoe) == b'{"first_name": "erased", oops'


def test_a_dead_letters_detail_has_the_email_replaced() -> None:
    assert scrub.scrub_text("customer.email: ada@example.com is not valid", ADA) == "customer.email: erased is not valid"


def test_the_contacts_a_message_names_are_found_in_its_json() -> None:
    assert scrub.named_contacts(_sale_message("c-7")) == {"c-7"}


def test_a_message_that_is_not_json_names_no_contact() -> None:
    assert scrub.named_contacts(b"\xff not json c-7") == set()


def test_a_snapshot_holds_no_name_or_email_of_a_customer_whose_sale_is_parked() -> None:
    ledger = CoreLedger(min_wait_s=300, snapshot_every=1)
    ledger.apply_batch([inbound(program()), inbound(sale("S-1", "rex", 1_000, email=ADA["email"]))])  # rex not joined
    assert ledger.store.snapshot is not None and len(ledger.writer.waiting) == 1
    body = zlib.decompress(ledger.store.snapshot[1])
    assert (b"Lovelace" in body, ADA["email"].encode() in body) == (False, False)


def test_a_parked_event_restored_from_a_snapshot_has_its_customer_and_bytes_again() -> None:
    ledger = CoreLedger(min_wait_s=300, snapshot_every=1)
    ledger.apply_batch([inbound(program()), inbound(sale("S-1", "rex", 1_000, email=ADA["email"]))])
    restored = ledger.store.restore().waiting
    (waiter,) = restored.by_id.values()
    assert (waiter.event.customer.email, b"Lovelace" in waiter.raw) == (ADA["email"], True)


def test_an_email_quoted_in_a_logged_error_is_replaced() -> None:
    from streams.logs import _redact

    logged = _redact(None, "info", {"event": "batch_failed", "error": "ValueError('ada@example.com is taken')"})
    assert logged["error"] == "ValueError('[email] is taken')"


def test_a_json_message_of_another_customer_keeps_a_shared_first_name_but_loses_the_email() -> None:
    other = json.loads(_sale_message("c-other"))
    other["note"] = "forwarded by ada@example.com"
    scrubbed = json.loads(scrub.scrub(json.dumps(other).encode(), {"c-S-1"}, ADA))
    assert (scrubbed["customer"]["first_name"], scrubbed["note"]) == ("Ada", "forwarded by erased")

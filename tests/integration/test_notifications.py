"""Notifications to partners, sent to real local receivers: signed webhooks, retries, email, one per transaction."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from projections.api import create_api
from projections.notify.deliveries import claim
from streams.notify.signing import verify
from streams.role_urls import application_urls
from tests.builders import joined, payout, program, refund, sale, usd
from tests.integration.notify_ledger import NotifyLedger
from tests.integration.receivers import now, smtp_server, webhook_receiver

pytestmark = pytest.mark.integration
ALL_KINDS = ["commission_earned", "commission_reversed", "bonus_awarded", "bonus_clawed_back", "payout_sent"]
FIRST_SALE = {"id": "first-sale", "metric": "sales_count", "threshold": 1, "period": "lifetime", "bonus": usd(500)}


@pytest.fixture
def ledger(database_url: str, tmp_path: Path) -> Iterator[NotifyLedger]:
    """A provisioned database, written and notified through the application roles."""
    with smtp_server() as (smtp_url, mailbox):
        made = NotifyLedger(database_url, application_urls(database_url, tmp_path / "home", environ={}), smtp_url)
        made.mailbox = mailbox  # type: ignore[attr-defined]
        yield made
        made.close()


def _rex_sells(**settings: Any) -> list[dict[str, Any]]:
    return [program(tiers=("0.20",), notify=ALL_KINDS, **settings), joined("rex"),
            sale("S-1", "rex", 10_000, event_id="s-1")]


def _kinds(body: bytes) -> list[str]:
    return [n["kind"] for n in json.loads(body)["notices"]]


def test_a_webhook_signature_verifies_with_the_endpoints_secret(ledger: NotifyLedger) -> None:
    with webhook_receiver() as receiver:
        endpoint = ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write(_rex_sells())
        ledger.send_until_settled()
    [request] = receiver.delivered()
    assert verify(endpoint.secret, request.headers["X-Ledger-Signature"], request.body, now())


def test_a_webhook_signature_does_not_verify_with_another_endpoints_secret(ledger: NotifyLedger) -> None:
    with webhook_receiver() as receiver:
        ledger.endpoint(receiver.url, partner_id="rex")
        other = ledger.endpoint(receiver.url + "/other", program_id="elsewhere")
        ledger.write(_rex_sells())
        ledger.send_until_settled()
    [request] = receiver.delivered()
    assert not verify(other.secret, request.headers["X-Ledger-Signature"], request.body, now())


def test_the_idempotency_key_is_the_ledger_transaction(ledger: NotifyLedger) -> None:
    with webhook_receiver() as receiver:
        ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write(_rex_sells())
        ledger.send_until_settled()
    [request] = receiver.delivered()
    assert request.headers["Idempotency-Key"] == json.loads(request.body)["transaction_id"]


def test_a_receiver_failing_twice_gets_three_attempts_and_one_success(ledger: NotifyLedger) -> None:
    with webhook_receiver(script=[500, 500]) as receiver:
        ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write(_rex_sells())
        [(_, _, status, attempts)] = ledger.send_until_settled()
    logged = ledger.rows("SELECT attempt, status_code FROM notify.attempts ORDER BY attempt")
    assert (status, attempts, [r.answered for r in receiver.requests], logged) == (
        "delivered", 3, [500, 500, 200], [(1, 500), (2, 500), (3, 200)])


def test_a_delivery_fails_after_its_last_attempt(ledger: NotifyLedger) -> None:
    with webhook_receiver(script=[503] * 10) as receiver:
        ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write(_rex_sells())
        assert ledger.send_until_settled() == [("webhook", ledger.rows("SELECT endpoint_id FROM notify.endpoints")[0][0],
                                                "failed", 4)]


def test_a_program_without_notify_settings_sends_nothing(ledger: NotifyLedger) -> None:
    with webhook_receiver() as receiver:
        ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write([program(tiers=("0.20",)), joined("rex"), sale("S-1", "rex", 10_000)])
        assert ledger.send_until_settled() == []
    assert receiver.requests == []


def test_a_program_endpoint_hears_each_partner_of_a_two_level_sale_in_one_delivery(ledger: NotifyLedger) -> None:
    with webhook_receiver() as receiver:
        ledger.endpoint(receiver.url, program_id="prog")
        ledger.write([program(notify=["commission_earned"]), joined("susie"), joined("rex", recruited_by="susie"),
                      sale("S-1", "rex", 10_000)])
        ledger.send_until_settled()
    [request] = receiver.delivered()
    assert [(n["partner_id"], n["amount"]["amount"]) for n in json.loads(request.body)["notices"]] == [
        ("rex", 2_000), ("susie", 500)]


@pytest.mark.parametrize(("kind", "then"), [
    ("commission_earned", []),
    ("commission_reversed", [refund("S-1", 2_500)]),
    ("bonus_awarded", []),
    ("payout_sent", [payout("rex", 1_000)]),
])
def test_each_kind_of_ledger_transaction_sends_its_kind(ledger: NotifyLedger, kind: str,
                                                       then: list[dict[str, Any]]) -> None:
    with webhook_receiver() as receiver:
        ledger.endpoint(receiver.url, partner_id="rex", kinds=[kind])
        ledger.write([program(tiers=("0.20",), notify=[kind], milestones=[FIRST_SALE]), joined("rex"),
                      sale("S-1", "rex", 10_000), *then])
        ledger.send_until_settled()
    assert [_kinds(r.body) for r in receiver.delivered()] == [[kind]]


def test_a_bonus_clawed_back_sends_its_kind(ledger: NotifyLedger) -> None:
    clawing = FIRST_SALE | {"clawback": True}
    with webhook_receiver() as receiver:
        ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write([program(tiers=("0.20",), notify=["bonus_clawed_back"], milestones=[clawing]), joined("rex"),
                      sale("S-1", "rex", 10_000), refund("S-1", 10_000)])
        ledger.send_until_settled()
    assert [_kinds(r.body) for r in receiver.delivered()] == [["bonus_clawed_back"]]


def test_an_email_reaches_the_partners_address_and_carries_no_secret(ledger: NotifyLedger) -> None:
    endpoint = ledger.endpoint("http://127.0.0.1:9/unused", program_id="elsewhere")
    ledger.write(_rex_sells(notify_email=True))
    assert ledger.send_until_settled() == [("email", "rex", "delivered", 1)]
    [(recipients, message)] = ledger.mailbox.messages  # type: ignore[attr-defined]
    text = message.as_string()
    assert (recipients, message["To"], "commission earned: 20.00 USD" in text, endpoint.secret in text) == (
        ["rex@partners.example"], "rex@partners.example", True, False)


def test_a_refused_email_is_logged_without_the_address(ledger: NotifyLedger) -> None:
    ledger.mailbox.refuse = True  # type: ignore[attr-defined]
    ledger.write(_rex_sells(notify_email=True))
    assert ledger.send_until_settled() == [("email", "rex", "failed", 4)]
    errors = ledger.rows("SELECT error FROM notify.attempts UNION ALL SELECT last_error FROM notify.deliveries")
    assert errors and all(e and "SMTPRecipientsRefused" in e and "@" not in e for (e,) in errors)


def test_replaying_the_feed_from_the_start_makes_no_second_delivery(ledger: NotifyLedger) -> None:
    with webhook_receiver() as receiver:
        ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write(_rex_sells())
        ledger.send_until_settled()
        ledger.feed.rebuild(ledger.feed.projections[0])
        ledger.send_until_settled()
    assert (len(receiver.requests), ledger.rows("SELECT count(*) FROM notify.deliveries")) == (1, [(1,)])


def test_an_endpoint_hears_nothing_logged_before_it_was_added(ledger: NotifyLedger) -> None:
    ledger.write(_rex_sells())
    with webhook_receiver() as receiver:
        ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write([sale("S-2", "rex", 5_000)])
        ledger.send_until_settled()
    assert [json.loads(r.body)["notices"][0]["sale_id"] for r in receiver.delivered()] == ["S-2"]


def test_deliveries_sent_together_are_each_recorded_delivered(ledger: NotifyLedger) -> None:
    with webhook_receiver() as receiver:
        for _ in range(3):
            ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write(_rex_sells())
        assert [row[2:] for row in ledger.send_until_settled()] == [("delivered", 1)] * 3


async def _claim_ids(url: str, keep_open: bool) -> tuple[list[Any], Any]:
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    claimed = [d.delivery_id for d in await claim(conn, 10, lease_s=3600)]
    if not keep_open:
        await conn.close()
    return claimed, conn


def test_a_delivery_leased_by_a_dispatcher_that_died_is_claimed_again_at_once(ledger: NotifyLedger) -> None:
    ledger.endpoint("http://127.0.0.1:9/never", partner_id="rex")
    ledger.write(_rex_sells())
    first, _ = asyncio.run(_claim_ids(ledger.dispatcher.database_url, keep_open=False))
    again, _ = asyncio.run(_claim_ids(ledger.dispatcher.database_url, keep_open=False))
    assert len(first) == 1 and again == first


def test_a_delivery_leased_by_a_live_dispatcher_is_not_claimed_twice(ledger: NotifyLedger) -> None:
    ledger.endpoint("http://127.0.0.1:9/never", partner_id="rex")
    ledger.write(_rex_sells())

    async def both() -> tuple[list[Any], list[Any]]:
        first, holder = await _claim_ids(ledger.dispatcher.database_url, keep_open=True)
        second, _ = await _claim_ids(ledger.dispatcher.database_url, keep_open=False)
        await holder.close()
        return first, second
    first, second = asyncio.run(both())
    assert len(first) == 1 and second == []


def test_metrics_count_the_deliveries_by_status_and_the_feeds_lag_through_the_api_role(ledger: NotifyLedger) -> None:
    with webhook_receiver() as receiver:
        ledger.endpoint(receiver.url, partner_id="rex")
        ledger.write(_rex_sells())
        ledger.send_until_settled()
    with TestClient(create_api(ledger.urls.api)) as client:
        text = client.get("/metrics").text
    assert ('ledger_notification_deliveries{status="delivered"} 1.0' in text,
            'ledger_notification_deliveries{status="failed"} 0.0' in text,
            "ledger_notification_feed_lag 0.0" in text) == (True, True, True)

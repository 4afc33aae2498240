"""`ledger webhooks add|list|test|remove|deliveries` as an operator runs them."""

from __future__ import annotations

import json

import pytest

from streams.notify.signing import verify
from tests.integration.harness import Harness
from tests.integration.receivers import now, webhook_receiver

pytestmark = pytest.mark.integration


def _add(harness: Harness, url: str, *scope: str) -> tuple[str, str]:
    result = harness.ledger("webhooks", "add", url, *(scope or ("--partner", "rex")))
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[1].rstrip(";"), result.stdout.strip().splitlines()[-1]


def test_webhooks_add_prints_the_endpoint_id_and_its_secret(harness: Harness) -> None:
    endpoint_id, secret = _add(harness, "http://127.0.0.1:9/hooks")
    assert endpoint_id.startswith("wh_") and secret.startswith("whsec_")


def test_webhooks_list_shows_the_endpoint_and_never_its_secret(harness: Harness) -> None:
    endpoint_id, secret = _add(harness, "http://127.0.0.1:9/hooks", "--program", "prog", "--kinds", "payout_sent")
    result = harness.ledger("webhooks", "list", "--json")
    [row] = json.loads(result.stdout)
    assert (row["endpoint_id"], row["program_id"], row["kinds"], secret in result.stdout) == (
        endpoint_id, "prog", "payout_sent", False)


def test_webhooks_test_sends_a_signed_delivery_and_prints_the_receivers_status(harness: Harness) -> None:
    with webhook_receiver() as receiver:
        endpoint_id, secret = _add(harness, receiver.url)
        result = harness.ledger("webhooks", "test", endpoint_id)
    [request] = receiver.requests
    assert (result.returncode, "receiver answered 200" in result.stdout,
            verify(secret, request.headers["X-Ledger-Signature"], request.body, now())) == (0, True, True)


def test_webhooks_test_of_a_failing_receiver_exits_1_with_its_status(harness: Harness) -> None:
    with webhook_receiver(script=[500]) as receiver:
        endpoint_id, _ = _add(harness, receiver.url)
        result = harness.ledger("webhooks", "test", endpoint_id)
    assert (result.returncode, "receiver answered 500" in result.stdout) == (1, True)


def test_webhooks_add_refuses_a_url_that_is_not_http_and_says_what_to_give(harness: Harness) -> None:
    result = harness.ledger("webhooks", "add", "ftp://partner.example/x", "--partner", "rex")
    assert (result.returncode, "https://" in result.stderr) == (2, True)


def test_webhooks_add_refuses_an_unknown_kind(harness: Harness) -> None:
    result = harness.ledger("webhooks", "add", "http://127.0.0.1:9/", "--partner", "rex", "--kinds", "sale_made")
    assert (result.returncode, "commission_earned" in result.stderr) == (2, True)


def test_a_removed_endpoint_can_no_longer_be_tested(harness: Harness) -> None:
    endpoint_id, _ = _add(harness, "http://127.0.0.1:9/hooks")
    removed = harness.ledger("webhooks", "remove", endpoint_id)
    result = harness.ledger("webhooks", "test", endpoint_id)
    assert (removed.returncode, result.returncode, "webhooks list" in result.stderr) == (0, 2, True)

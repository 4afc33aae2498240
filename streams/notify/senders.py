"""The two ways a delivery leaves: a signed HTTP POST, or an email through SMTP."""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import time
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import httpx

from projections.notify.deliveries import Due, Outcome
from streams.display import format_money
from streams.notify.signing import HEADER, sign

USER_AGENT = "commission-ledger-webhooks/1"


async def post_webhook(client: httpx.AsyncClient, due: Due) -> Outcome:
    """POST the body, signed with the endpoint's secret; a 2xx answer delivers it."""
    if due.url is None or due.secret is None:
        return Outcome(False, error="endpoint removed", final=True)
    body = due.body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               HEADER: sign(due.secret, int(time.time()), body), "Idempotency-Key": str(due.transaction_id),
               "X-Ledger-Delivery": str(due.delivery_id)}
    try:
        response = await client.post(due.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {str(exc)[:200]}")
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code)
    return Outcome(False, response.status_code, f"HTTP {response.status_code}")


class SmtpSettings:
    """Where mail goes: LEDGER_SMTP_URL (smtp://[user:password@]host:port, or smtps://) and LEDGER_SMTP_FROM."""

    def __init__(self, url: str | None = None, sender: str | None = None, timeout_s: float = 10.0) -> None:
        self.url = url if url is not None else os.environ.get("LEDGER_SMTP_URL", "")
        self.sender = sender or os.environ.get("LEDGER_SMTP_FROM", "ledger@localhost")
        self.timeout_s = timeout_s

    @property
    def configured(self) -> bool:
        """Whether an SMTP server is set."""
        return bool(self.url)


async def send_email(smtp: SmtpSettings, due: Due) -> Outcome:
    """Mail the notices to the partner's address (looked up now, so an erased address is never used)."""
    if not due.email:
        return Outcome(False, error="the partner has no email address", final=True)
    if not smtp.configured:
        return Outcome(False, error="LEDGER_SMTP_URL is not set")
    try:
        await asyncio.to_thread(_send, smtp, _message(smtp.sender, due))
    except (OSError, smtplib.SMTPException) as exc:
        return Outcome(False, error=_smtp_error(exc))
    return Outcome(True, 250)


def _smtp_error(exc: Exception) -> str:
    # The class and the server's code only: SMTP refusals quote the addresses, which no log may hold.
    code = getattr(exc, "smtp_code", None) or getattr(exc, "errno", None)
    return f"{type(exc).__name__}" + (f" ({code})" if code else "")


def _message(sender: str, due: Due) -> EmailMessage:
    document = json.loads(due.body)
    lines = [_line(notice) for notice in document["notices"]]
    message = EmailMessage()
    message["From"], message["To"] = sender, due.email
    message["Subject"] = f"Commission ledger: {len(lines)} update{'s' if len(lines) != 1 else ''} for you"
    message["Message-ID"] = f"<{due.transaction_id}.{due.delivery_id}@commission-ledger>"
    message["Idempotency-Key"] = str(due.transaction_id)
    message.set_content("\n".join([*lines, "", f"Ledger transaction {due.transaction_id}."]))
    return message


def _line(notice: dict[str, object]) -> str:
    money = notice["amount"]
    assert isinstance(money, dict)
    amount = format_money(int(money["amount"]), str(money["currency"]))
    about = notice.get("sale_id") or notice.get("payout_id") or notice.get("milestone") or ""
    return f"{str(notice['kind']).replace('_', ' ')}: {amount} ({about})"


def _send(smtp: SmtpSettings, message: EmailMessage) -> None:
    parts = urlsplit(smtp.url)
    connect = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with connect(parts.hostname or "localhost", parts.port or (465 if parts.scheme == "smtps" else 25),
                 timeout=smtp.timeout_s) as server:
        if parts.username:
            server.login(unquote(parts.username), unquote(parts.password or ""))
        server.send_message(message)

"""Real local receivers for notification tests: an HTTP server in a thread, and aiosmtpd."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from streams.embedded import free_port


@dataclass
class Received:
    """One request as the receiver got it."""

    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class WebhookReceiver:
    """Answers each POST with the next scripted status (then 200); or holds every request open when `hang`."""

    script: list[int] = field(default_factory=list)
    hang: bool = False
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        """Record the request; the status to answer."""
        with self.lock:
            status = self.script.pop(0) if self.script else 200
            self.requests.append(Received(headers, body, status))
        return status

    def hold(self, headers: dict[str, str], body: bytes) -> None:
        """Record a request that is never answered."""
        with self.lock:
            self.requests.append(Received(headers, body, 0))

    def delivered(self) -> list[Received]:
        """The requests answered 2xx."""
        with self.lock:
            return [r for r in self.requests if 200 <= r.answered < 300]


@contextmanager
def webhook_receiver(script: list[int] | None = None, hang: bool = False) -> Iterator[WebhookReceiver]:
    """A receiver listening on 127.0.0.1 until the block ends."""
    receiver = WebhookReceiver(list(script or []), hang)
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if len(body) < length:  # the sender died mid-request (a killed worker): nothing was delivered
                return
            if receiver.hang:
                receiver.hold(dict(self.headers.items()), body)
                release.wait(60)
                return
            status = receiver.answer(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        release.set()
        server.shutdown()
        server.server_close()


class Mailbox:
    """Messages aiosmtpd accepted, with their envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.refuse = False  # answer every recipient 550, quoting the address, as real servers do

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          options: Any) -> str:
        if self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[str, Mailbox]]:
    """A local SMTP server: (its smtp:// URL, the mailbox it fills)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", mailbox
    finally:
        controller.stop()


def now() -> int:
    """Unix seconds now, as a receiver checks a signature's age."""
    return int(time.time())

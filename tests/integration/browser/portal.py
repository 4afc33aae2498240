"""The partner center served for real over HTTP, and the steps a person takes in it with a browser."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import Page

from projections.api import create_api
from streams.embedded import free_port
from tests.integration.harness import wait_for

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Headless and quiet: no GPU, no sandbox (containers run as root), no calls home.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> Path:
    """The Chromium the tests drive: LEDGER_CHROMIUM, else Debian's."""
    return Path(os.environ.get("LEDGER_CHROMIUM") or DEFAULT_CHROMIUM)


def missing_chromium_message(path: Path) -> str:
    """Why the browser tests are skipped, and what to do about it."""
    return (f"Chromium not found at {path}: install Debian's chromium (apt-get install chromium) "
            "or set LEDGER_CHROMIUM; the browser tests are skipped")


@contextmanager
def served_api(database_url: str) -> Iterator[str]:
    """The API app (with the portal) served by uvicorn on a free local port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(create_api(database_url), host="127.0.0.1", port=port, log_level="warning",
                            log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="portal-api", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), "the portal's API to start", deadline_s=30)
        assert server.started, "the portal's API did not start (see the log above)"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def sign_in(page: Page, base_url: str, key: str) -> None:
    """Sign in as a person does: open the login page, type the key, press the button."""
    page.goto(f"{base_url}/portal/login")
    page.locator("#key").fill(key)
    with page.expect_navigation():
        page.locator("#login button[type=submit]").click()


class Sessions:
    """The session cookie the login form gave each key: a module's later tests reuse it instead of signing in again."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: dict[str, list[Any]] = {}

    def open(self, page: Page, key: str, path: str = "/portal/") -> Page:
        """`page` signed in with `key` (through the form the first time) and showing `path`."""
        if key in self.cookies:
            page.context.add_cookies(self.cookies[key])
        else:
            sign_in(page, self.base_url, key)
            self.cookies[key] = page.context.cookies()
            if page.url == f"{self.base_url}{path}":
                return page
        page.goto(f"{self.base_url}{path}")
        return page


def cells(page: Page, row_selector: str, column: str) -> list[str]:
    """The text of one `data-col` cell in each row the selector finds, in page order."""
    return [text.strip() for text in page.locator(f"{row_selector} [data-col='{column}']").all_inner_texts()]


def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: LEDGER_SCREENSHOTS, else the test's own tmp_path."""
    chosen = Path(os.environ["LEDGER_SCREENSHOTS"]) if os.environ.get("LEDGER_SCREENSHOTS") else tmp_path
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """A full-page PNG of what the browser shows now."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


"""One headless Chromium per test module, a fresh browser context (no cookies) per test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.integration.browser.portal import (
    CHROMIUM_ARGS,
    Sessions,
    chromium_path,
    missing_chromium_message,
    screenshot,
    screenshot_dir,
)


@pytest.fixture(scope="session", autouse=True)
def chromium() -> Path:
    """Debian's Chromium (or LEDGER_CHROMIUM); without it every browser test is skipped before any server starts."""
    path = chromium_path()
    if not path.is_file():
        pytest.skip(missing_chromium_message(path))
    return path


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    """One headless Chromium for the module's tests."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def sessions(base_url: str) -> Sessions:
    """Signed-in sessions shared by the module's tests (each module serves its ledger at `base_url`)."""
    return Sessions(base_url)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """The folder this test's screenshots go to."""
    return screenshot_dir(tmp_path)


@pytest.fixture
def page(browser: Browser, shots: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a new context; a full-page screenshot of where the test ended is saved afterwards."""
    context = browser.new_context(viewport={"width": 1100, "height": 800}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(5_000)  # a local server: anything slower is a failure
    yield tab
    screenshot(tab, shots, re.sub(r"[^\w.-]+", "-", request.node.name).strip("-"))
    context.close()

"""Shared fixtures of the book's tests. Paths and readers are in the tooling package
(``tools.book``); tests import them from there, never from this file."""

from __future__ import annotations

import os

import pytest

from tools import browser
from tools.book import SITE


def pytest_collection_modifyitems(items):
    """A test that drives Chromium is a browser test (`make unit` leaves them out),
    whether or not its module says so."""
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def site():
    """The built website. Missing: fail in CI (make test builds it first), else skip."""
    if not (SITE / "index.html").exists():
        if os.environ.get("CI"):
            pytest.fail("_build/html is missing: `make test` builds it before the tests")
        pytest.skip("the website is not built: run `make book` first")
    return SITE


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright, one per test process (tools.browser):
    skipped with a message saying what to install where it or Playwright is missing,
    failed instead in CI (CI installs both, so a skip there would hide a broken setup)."""
    problems = browser.missing()
    if problems:
        message = "the browser test needs Chromium and Playwright: " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with browser.launch(sync_playwright) as launched:
        yield launched


@pytest.fixture(scope="module")
def site_url(site):
    """The built website served on 127.0.0.1 (a free port) for one test module."""
    with browser.serve(site) as url:
        yield url

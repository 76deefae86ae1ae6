"""Shared fixtures and paths of the book's tests."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
SITE = ROOT / "_build" / "html"


def chapter_paths():
    return sorted(CHAPTERS.glob("*.ipynb"))


def load(path):
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


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
    """Debian's Chromium driven by Playwright, one per test process (tests/browser.py):
    skipped with a message where it or Playwright is missing, failed instead in CI."""
    import browser

    with browser.launch(browser.sync_playwright_or_skip()) as launched:
        yield launched


@pytest.fixture(scope="module")
def site_url(site):
    """The built website served on 127.0.0.1 (a free port) for one test module."""
    import browser

    with browser.serve(site) as url:
        yield url

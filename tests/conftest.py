"""Shared fixtures of the book's tests. Paths and readers are in the tooling package
(``tools.book``); tests import them from there, never from this file."""

from __future__ import annotations

import collections
import itertools
import os

import pytest

from tools import browser
from tools.book import SITE


def pytest_collection_modifyitems(items):
    """A test that drives Chromium is a browser test (`make unit` leaves them out),
    whether or not its module says so.

    Then the files are put in the order that keeps `make test`'s workers busy to the
    end (the Makefile runs pytest-xdist with ``--no-loadscope-reorder``: files go to the
    workers in this order, one at a time). A chapter takes a core for up to about three minutes,
    and so does a file of browser tests (Chromium's, JupyterLab's and the kernels' CPU)
    or of nbgrader runs (marker ``slow``: a few tests, chapter 1 graded three times).
    Chapters and these long files alternate, one of each; the other files come last,
    most tests first as xdist would order them (a minute for the biggest, seconds for
    most), and fill the gaps at the end. Tests keep their order within a file."""
    kind = {}
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("browser") or item.get_closest_marker("slow"):
            kind[item.path] = "long"
        else:
            kind.setdefault(item.path, "notebook" if item.path.suffix == ".ipynb" else "unit")
    notebooks = [p for p, k in kind.items() if k == "notebook"]
    long_files = [p for p, k in kind.items() if k == "long"]
    sizes = collections.Counter(item.path for item in items)
    units = sorted((p for p, k in kind.items() if k == "unit"), key=lambda p: -sizes[p])
    order = [p for pair in itertools.zip_longest(notebooks, long_files) for p in pair if p]
    rank = {p: i for i, p in enumerate(order + units)}
    items.sort(key=lambda item: rank[item.path])


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

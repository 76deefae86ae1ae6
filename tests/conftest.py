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


@pytest.fixture(scope="session")
def site():
    """The built website. Missing: fail in CI (make test builds it first), else skip."""
    if not (SITE / "index.html").exists():
        if os.environ.get("CI"):
            pytest.fail("_build/html is missing: `make test` builds it before the tests")
        pytest.skip("the website is not built: run `make book` first")
    return SITE

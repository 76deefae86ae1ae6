"""Small accessibility repairs of the theme's and extensions' markup in the written pages.

axe-core (tests/test_accessibility.py) finds four faults on the site that the book's own
markup does not make, each fixed here by changing one attribute of the built HTML:

* the theme's search buttons are labelled "Search" but show "Search Ctrl+K"; a voice
  user who says what they see does not reach them (label-content-name-mismatch):
  their ``aria-label`` is dropped, so their name is their visible text;
* myst-nb's collapsed code cells are ``<summary aria-label="Toggle hidden content">``
  showing "Show code cell source" (the same fault): the ``aria-label`` is dropped, so
  the name is the visible "Show ..." or "Hide ..." line;
* docutils writes the bibliography as ``role="list"`` holding ``role="doc-biblioentry"``
  entries, a role ARIA has deprecated, so a screen reader finds a list with no items
  (aria-required-children): each entry becomes ``role="listitem"``;
* the theme's left sidebar is a plain ``<div>``: the book's title in it is outside
  every landmark (region): the sidebar becomes a labelled ``complementary`` landmark.

The pages are rewritten once, after the whole build, like tools/sphinx_ext/lean_theme.py.
"""

from __future__ import annotations

import re

from sphinx.util import logging

from tools.sphinx_ext import rewrite_pages

#: (pattern, replacement): each changes one attribute and nothing else on the page
REPAIRS = [
    (re.compile(r'(<button class="[^"]*\bsearch-button__button\b[^"]*"[^>]*?) aria-label="Search"'),
     r"\1"),
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    (re.compile(r'(<div class="citation" id="[^"]*") role="doc-biblioentry">'),
     r'\1 role="listitem">'),
    (re.compile(r'<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'),
     '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar" '
     'role="complementary" aria-label="Book contents">'),
]
logger = logging.getLogger(__name__)


def repair(text: str) -> str:
    """``text`` (a page's HTML) with every repair of :data:`REPAIRS` applied."""
    for pattern, replacement in REPAIRS:
        text = pattern.sub(replacement, text)
    return text


def rewrite(app, exception):
    changed = rewrite_pages(app, exception, repair)
    if changed is not None:
        logger.info("accessible_theme: %d pages repaired", changed)


def setup(app):
    app.connect("build-finished", rewrite)
    # it rewrites the written pages once, after the whole build (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""Drop the theme's 1.5 MB fontawesome.js from every page.

pydata-sphinx-theme loads Font Awesome twice: its CSS already defines every icon class
with the woff2 webfonts (fa-solid-900.woff2 is 156 kB), and a 1,489,308-byte script
then replaces those icons with SVGs. Without the script the icons render from the
webfont, identical to the eye, and a chapter page stays inside the book's 4 MB budget
(CONTRIBUTING.md, "Performance budgets"; `make bench` prints the weight). The script tag comes
from the theme's webpack macro, so it is removed from the written pages.
"""

from __future__ import annotations

import re

from sphinx.util import logging

from tools.sphinx_ext import rewrite_pages

TAG = re.compile(r'<script defer src="[^"]*_static/scripts/fontawesome\.js(\?[^"]*)?"></script>')
logger = logging.getLogger(__name__)


def strip(app, exception):
    changed = rewrite_pages(app, exception, lambda text: TAG.sub("", text))
    if changed is not None:
        logger.info("lean_theme: fontawesome.js removed from %d pages", changed)


def setup(app):
    app.connect("build-finished", strip)
    # it rewrites the written pages once, after the whole build (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

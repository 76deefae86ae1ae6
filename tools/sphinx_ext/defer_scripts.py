"""No script blocks a page's first render: every script the ``<head>`` loads is deferred.

The themes and extensions load about ten scripts in the head without ``defer`` (Sphinx's
doctools and search tools, the copy button, the toggle button, the theme's own; the
search index, 97 kB, on every page because pydata-sphinx-theme's layout adds it). A
browser stops building the page at each of them until it has arrived and run: on a
phone's network that delays the first paint by seconds. None of them draws the first
screen (they add behaviour: search, copy buttons, toggles), and ``defer`` keeps their
order, so they run, in the same order, once the page is parsed, before
DOMContentLoaded. The head's inline scripts only set variables and stay as they are.
The theme also preloads its two deferred scripts (``<link rel="preload" as="script">``),
which has a phone fetch their 30 kB at high priority alongside the stylesheet that the
first paint waits for: the preloads are dropped (the scripts stay, deferred, at the end
of the body, where the browser's preload scanner finds them). The written pages are
rewritten once, after the build.
"""

from __future__ import annotations

import re

from sphinx.util import logging

from tools.sphinx_ext import rewrite_pages

HEAD = re.compile(r"<head>.*?</head>", re.S)
#: a script element with a ``src`` and attributes only (no inline code)
SCRIPT = re.compile(r'<script(?P<attrs>(?:\s+[\w:-]+(?:="[^"]*")?)*)\s*></script>')
#: a preload of a script (the theme's bootstrap.js and pydata-sphinx-theme.js)
PRELOAD = re.compile(r'[ \t]*<link rel="preload" as="script" href="[^"]*" ?/?>\n?')
logger = logging.getLogger(__name__)


def defer(html: str) -> str:
    """``html`` with every script of its ``<head>`` that has a ``src`` and neither
    ``async``, ``defer`` nor a ``type`` deferred, and no preload of a script."""
    def one(match):
        attrs = match.group("attrs")
        names = set(re.findall(r"\s([\w:-]+)(?==|\s|$)", attrs + " "))
        if "src" not in names or names & {"async", "defer", "type"}:
            return match.group(0)
        return f"<script defer{attrs}></script>"

    head = HEAD.search(html)
    if head is None:
        return html
    new = PRELOAD.sub("", SCRIPT.sub(one, head.group(0)))
    return html[:head.start()] + new + html[head.end():]


def rewrite(app, exception):
    changed = rewrite_pages(app, exception, defer)
    if changed is not None:
        logger.info("defer_scripts: head scripts deferred on %d pages", changed)


def setup(app):
    app.connect("build-finished", rewrite)
    # it rewrites the written pages once, after the whole build (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

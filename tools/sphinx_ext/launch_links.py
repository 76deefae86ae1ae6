"""Give the playground notes' launch links the page's own Binder and Colab addresses.

A playground (lib.widgets) needs a kernel; on the website its cell shows a note instead,
with links to run the chapter on Binder or Colab. The widget does not know which
notebook it runs in, nor where the book's repository is, so the note names the
providers as plain words, ``<span class="book-launch" data-launch="binder">Binder</span>``
(and ``colab``): in JupyterLab they are text, not links that go nowhere. This
extension turns each into a link to the address of the same page's launch button, which
sphinx-book-theme builds from _config.yml's ``repository`` and ``launch_buttons``: the
note and the page's launch menu cannot disagree. A note's link that finds no launch
button of its kind is a warning, and so fails the book's strict build.
"""

from __future__ import annotations

import html
import re

from sphinx.util import logging

#: a provider named by a playground note that has no address yet: the ``<span>`` that
#: lib.widgets writes, or the ``<a>`` without ``href`` of notebooks executed before it
LINK = re.compile(r'<(a|span) class="book-launch" data-launch="([a-z]+)">([^<]*)</(?:a|span)>')
logger = logging.getLogger(__name__)


def launch_urls(context) -> dict[str, str]:
    """{"binder": url, "colab": url, ...}: the page's launch buttons (lower-case text)."""
    urls = {}
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("type") == "link" and button.get("url"):
                urls[button["text"].lower()] = button["url"]
    return urls


def fill(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body or 'class="book-launch"' not in body:
        return
    urls = launch_urls(context)

    def link(match):
        provider = match.group(2)
        if provider not in urls:
            logger.warning(
                "launch_links: %s: a playground note links to %r, but the page has no "
                "such launch button (set repository.url and launch_buttons in "
                "_config.yml)", pagename, provider, location=pagename)
            return match.group(0)
        return (f'<a class="book-launch" data-launch="{provider}" '
                f'href="{html.escape(urls[provider])}" target="_blank" '
                f'rel="noopener">{match.group(3)}</a>')

    context["body"] = LINK.sub(link, body)


def setup(app):
    # after sphinx-book-theme's add_launch_buttons (priority 501) has built the buttons
    app.connect("html-page-context", fill, priority=600)
    # html-page-context runs in the process that writes the page, from that page's
    # context alone
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

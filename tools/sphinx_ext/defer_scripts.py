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
of the body, where the browser's preload scanner finds them).

Deferred is not late enough: a deferred script runs once the page is parsed, which on a
phone is often before the first paint, and then the paint waits for it (bootstrap.js
alone is a 450 ms task at a phone's speed): Lighthouse measured a chapter's first paint
at 1.2-1.9 s when it came first and 3.3-4.2 s when not. So :func:`after_paint` takes
every deferred script (and the async one) out of the page and has a small inline script
at the end of the body (:data:`LOADER`) add them, in the same order, once the page is
parsed and the browser has reported its first contentful paint (:data:`WHEN_PAINTED`;
after the load event where a browser has no paint timing). Lighthouse estimates a phone's
first paint from everything the page asked for before the paint it observed: a script
requested after it costs the first paint nothing. They add behaviour only (search, the theme's and
sidebar's buttons, copy buttons, toggles), a frame later. Some wait for the
DOMContentLoaded event, which has passed by then (sphinx-design's tabs script listens
for it without checking ``document.readyState``): while they run, such a listener is
called at once. One thing the theme's script did before the first paint stays there:
the theme's head script sets ``data-theme="auto"`` for a reader who has not chosen, and
its CSS styles only ``light`` and ``dark``; pydata-sphinx-theme.js then picks one from
the system's preference. :data:`THEME` does that at the end of the ``<head>``, so a
reader whose system is dark sees a dark first paint. The written pages are rewritten
once, after the build.
"""

from __future__ import annotations

import html as html_lib
import json
import re

from sphinx.util import logging

from tools.sphinx_ext import rewrite_pages

HEAD = re.compile(r"<head>.*?</head>", re.S)
#: a script element with a ``src`` and attributes only (no inline code)
SCRIPT = re.compile(r'<script(?P<attrs>(?:\s+[\w:-]+(?:="[^"]*")?)*)\s*></script>')
#: a script the page loads with ``defer`` or ``async`` (after :func:`defer`), with a ``src``
DEFERRED = re.compile(r'[ \t]*<script(?P<attrs>(?=[^>]*\s(?:defer|async)\b)(?![^>]*\stype=)'
                      r'(?:\s+[\w:-]+(?:="[^"]*")?)*)\s*></script>\n?')
BODY_END = "</body>"
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


#: ``whenPainted(then)``: calls ``then`` once the page's first contentful paint is reported
#: (PerformanceObserver "paint"); where there is no paint timing, after the load event.
#: A page in a background tab paints, and so calls ``then``, when it is shown; the load
#: event and ten seconds is a last resort.
WHEN_PAINTED = """function whenPainted(then) {
  var done = false, types = window.PerformanceObserver && PerformanceObserver.supportedEntryTypes;
  function go() { if (!done) { done = true; setTimeout(then, 0); } }
  function loaded(wait) {
    if (document.readyState === "complete") { setTimeout(go, wait); }
    else { window.addEventListener("load", function () { setTimeout(go, wait); }); }
  }
  if (!types || types.indexOf("paint") < 0) { loaded(0); return; }
  new PerformanceObserver(function (list, observer) {
    if (list.getEntriesByName("first-contentful-paint").length) { observer.disconnect(); go(); }
  }).observe({type: "paint", buffered: true});
  loaded(10000);
}"""

# Adds SCRIPTS ([[src, {attribute: value}], ...]) once the page is parsed and its first
# contentful paint reported: the deferred ones in order (async = false), the async ones
# when they come; DOMContentLoaded has passed, so a listener they add for it runs at once
# (window.bookScripts: "waiting", "loading", then "loaded" once they all have run or failed)
LOADER = """(function (scripts) {
var listen = document.addEventListener, left = scripts.length;
window.bookScripts = "waiting";
function add() {
  window.bookScripts = "loading";
  document.addEventListener = function (type, listener, options) {
    if (type !== "DOMContentLoaded") { return listen.apply(this, arguments); }
    setTimeout(function () {
      if (listener.handleEvent) { listener.handleEvent(new Event(type)); }
      else { listener.call(document, new Event(type)); }
    }, 0);
  };
  scripts.forEach(function (s) {
    var script = document.createElement("script");
    Object.keys(s[1]).forEach(function (name) { script.setAttribute(name, s[1][name]); });
    script.async = "async" in s[1];
    script.onload = script.onerror = function () {
      if (--left === 0) { document.addEventListener = listen; window.bookScripts = "loaded"; }
    };
    script.src = s[0];
    document.body.appendChild(script);
  });
}
WHEN_PAINTED
function later() { whenPainted(add); }
if (document.readyState === "loading") { listen.call(document, "DOMContentLoaded", later); }
else { later(); }
})(SCRIPTS);""".replace("WHEN_PAINTED", WHEN_PAINTED)


#: the theme's "auto" resolved from the system's preference before the first paint, as
#: pydata-sphinx-theme.js does once it runs
THEME = """<script>(function (root) {
if (root.dataset.theme === "auto" && window.matchMedia) {
  root.dataset.theme = matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}
})(document.documentElement);</script>
"""


def after_paint(html: str) -> str:
    """``html`` with its deferred and async scripts (those with a ``src`` and no ``type``)
    replaced by :data:`LOADER` at the end of its body, which adds them after the first
    paint, in the same order and with the same attributes; and :data:`THEME` at the end
    of its ``<head>``."""
    if BODY_END not in html:
        return html
    scripts = []

    def take(match):
        attrs = dict(re.findall(r'\s([\w:-]+)(?:="([^"]*)")?', match.group("attrs")))
        src = attrs.pop("src", None)
        if src is None:
            return match.group(0)
        attrs.pop("defer", None)
        scripts.append([html_lib.unescape(src),
                        {k: html_lib.unescape(v) for k, v in attrs.items()}])
        return ""

    rest = DEFERRED.sub(take, html)
    if not scripts:
        return html
    data = json.dumps(scripts, separators=(",", ":")).replace("</", "<\\/")
    loader = "<script>" + LOADER.replace("SCRIPTS", data) + "</script>\n"
    end = rest.rindex(BODY_END)
    rest = rest[:end] + loader + rest[end:]
    head_end = rest.find("</head>")
    return rest if head_end < 0 else rest[:head_end] + THEME + rest[head_end:]


def rewrite(app, exception):
    changed = rewrite_pages(app, exception, lambda html: after_paint(defer(html)))
    if changed is not None:
        logger.info("defer_scripts: scripts deferred past the first paint on %d pages", changed)


def setup(app):
    app.connect("build-finished", rewrite)
    # it rewrites the written pages once, after the whole build (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

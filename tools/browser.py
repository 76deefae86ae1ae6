"""A real browser for the tests and the benchmark: Playwright driving Debian's Chromium,
and the built site served on 127.0.0.1.

Used by the browser tests (marker ``browser``; tests/conftest.py's ``chromium`` fixture
skips with :func:`missing`'s message, or fails in CI) and by ``tools.bench``. Importing
this module needs neither Playwright nor Chromium.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading

#: Debian's Chromium; never `playwright install` (it downloads a browser and fails here).
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]


def missing() -> list[str]:
    """What the browser tests need and is not installed (empty when all is there)."""
    problems = []
    if not os.path.exists(CHROMIUM):
        problems.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright Python package is missing (pip install -r "
                        "requirements.txt; never `playwright install`, the tests use "
                        "Debian's Chromium)")
    return problems


@contextlib.contextmanager
def launch(sync_playwright):
    """Debian's Chromium, headless, with no background traffic; closed on exit."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    """A threaded server with a listen backlog of 64 instead of socketserver's 5: a
    page opens many connections at once, and on a loaded machine a full backlog drops
    connection attempts that the browser retries only seconds later."""

    request_queue_size = 64


@contextlib.contextmanager
def serve(directory, handler_class=None):
    """Serve ``directory`` on 127.0.0.1 (a free port, in a thread) with
    ``handler_class`` (default :class:`QuietHandler`); yield the base URL (ending in /).
    The server is shut down on exit."""
    handler = functools.partial(handler_class or QuietHandler, directory=str(directory))
    server = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class Watch:
    """What a page did: console errors and uncaught exceptions (``errors``), every
    request (``requests``), and the requests to anything but ``base`` (``foreign``),
    which are aborted: the page must work offline, and a test must not hang on the
    network."""

    def __init__(self, page, base):
        self.base = base
        self.errors, self.requests, self.foreign = [], [], []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))
        page.route("**/*", self._route)

    def _console(self, message):
        if message.type == "error":
            where = message.location or {}
            self.errors.append(f"{message.text} ({where.get('url', '?')}:"
                               f"{where.get('lineNumber', '?')})")

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def not_local(self):
        """Requests (seen or routed) to anything but ``base``."""
        seen = [u for u in self.requests
                if not u.startswith(self.base) and not u.startswith(("data:", "blob:"))]
        return sorted(set(seen) | set(self.foreign))


#: the theme's scripts, which the site adds after the first paint
#: (tools/sphinx_ext/defer_scripts.py), have run, or the page has none to add
SCRIPTS_RUN = "() => !window.bookScripts || window.bookScripts === 'loaded'"


def open_page(chromium, base, path, timeout_ms=60_000):
    """A fresh page (new profile: empty storage, as for a first-time reader) at
    ``base + path`` and its :class:`Watch`, after the load event, the theme's scripts
    and the network going quiet. ``timeout_ms`` guards against a
    hang."""
    page = chromium.new_page()
    page.set_default_timeout(timeout_ms)
    watch = Watch(page, base)
    page.goto(base + path, wait_until="load")
    # index.html redirects (meta refresh) to intro.html: wait for the page it lands on
    page.wait_for_function(
        """() => !document.querySelector('meta[http-equiv="Refresh" i]')""")
    page.wait_for_load_state("load")
    page.wait_for_function(SCRIPTS_RUN)
    page.wait_for_load_state("networkidle")
    return page, watch

"""The built site served as GitHub Pages serves it: text files gzip-compressed.

GitHub Pages sends HTML, CSS, JavaScript, JSON and SVG with ``Content-Encoding: gzip``
to a browser that accepts it (images and fonts as they are) and lets browsers cache
them for 10 minutes. Lighthouse (tools/lighthouse.py, `make bench`) must measure pages
delivered that way: a plain static server (tools.browser.serve) sends every byte
uncompressed, and a page's weight on the wire would be overstated. Importing this
module starts nothing: :func:`serve` does.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import os

from tools import browser

#: what GitHub Pages compresses (by file suffix); everything else goes as it is
COMPRESSED = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".txt", ".xml", ".map"}


class GzipHandler(browser.QuietHandler):
    """tools.browser's static handler, with gzip for :data:`COMPRESSED` files when the
    request's Accept-Encoding allows it, and GitHub Pages' ``Cache-Control``."""

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if not self.path.split("?")[0].endswith("/") or not os.path.isfile(index):
                return super().send_head()  # the redirect to "dir/", or a listing
            path = index
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and os.path.isfile(path)
                and os.path.splitext(path)[1].lower() in COMPRESSED):
            return super().send_head()
        body = _compressed(path, os.stat(path).st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return _Body(body)

    def end_headers(self):
        if not any(line.startswith(b"Cache-Control") for line in self._headers_buffer):
            self.send_header("Cache-Control", "max-age=600")
        super().end_headers()


class _Body:
    """The file-like object send_head returns: copyfile reads it, do_GET closes it."""

    def __init__(self, data: bytes):
        self.data, self.done = data, False

    def read(self, size=-1):
        if self.done:
            return b""
        self.done = True
        return self.data

    def close(self):
        pass


@functools.lru_cache(maxsize=256)
def _compressed(path: str, mtime_ns: int) -> bytes:
    """The gzip of one file (level 6, nginx's and GitHub Pages' usual), kept per version."""
    with open(path, "rb") as f:
        return gzip.compress(f.read(), compresslevel=6, mtime=0)


@contextlib.contextmanager
def serve(directory):
    """Serve ``directory`` compressed on 127.0.0.1 (a free port, in a thread); yield the
    base URL (ending in /); shut down on exit."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"serve: directory {directory} does not exist "
                                "(run `make book` first)")
    with browser.serve(directory, GzipHandler) as url:
        yield url

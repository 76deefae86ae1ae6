"""A chapter's figures are fetched when they near the screen, in a box of their size.

A chapter's figures (the notebooks' PNG outputs, _images/ in the site) are 0.3-0.6 MB
of a chapter page; a browser fetched them all while the page loaded, on a phone's
network beside the stylesheet and the text the first screen waits for (Lighthouse
counts every byte fetched before the first paint against it). Each figure of a written
page gets ``loading="lazy"`` (the browser fetches it when it comes within a screen or
two of the viewport) and ``decoding="async"``, and its pixel size as ``width`` and
``height``, read from the PNG, so that its box has its size before it arrives (nothing
below it moves when it does; _static/book.css keeps the ratio on a narrow screen). An
explorer's images (data URIs, lazy_explorers) and the theme's logos are left as they
are. The written pages are rewritten once, after the build.
"""

from __future__ import annotations

import pathlib
import posixpath
import re
import struct

from sphinx.util import logging

from tools.sphinx_ext import rewrite_pages

#: an image of the site's _images folder with no loading attribute
IMG = re.compile(r'<img (?![^>]*\bloading=)(?P<attrs>[^>]*\bsrc="(?P<src>(?:\.\./)*_images/'
                 r'[^"]+\.png)"[^>]*?)\s*/?>')
logger = logging.getLogger(__name__)


def png_size(path: pathlib.Path) -> tuple[int, int] | None:
    """(width, height) of the PNG at ``path``, from its header; None if it is not one."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def lazy(html: str, page: pathlib.Path, site: pathlib.Path) -> str:
    """``html`` (the page ``page``, relative to ``site``) with its figures lazy (above)."""
    def one(match):
        attrs = match.group("attrs")
        extra = ' loading="lazy" decoding="async"'
        if not re.search(r"\b(?:width|height)=", attrs):
            target = site / posixpath.normpath(posixpath.join(page.parent.as_posix(),
                                                              match.group("src")))
            size = png_size(target) if target.is_file() else None
            if size:
                extra += f' width="{size[0]}" height="{size[1]}"'
        return f"<img {attrs}{extra} />"

    return IMG.sub(one, html)


def rewrite(app, exception):
    site = pathlib.Path(app.outdir) if exception is None else None
    changed = rewrite_pages(app, exception, lambda text, page: lazy(text, page, site),
                            with_path=True)
    if changed is not None:
        logger.info("lazy_images: figures fetched when reached on %d pages", changed)


def setup(app):
    app.connect("build-finished", rewrite)
    # it rewrites the written pages once, after the whole build (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""One stylesheet per page instead of eleven, and no ``@import`` chain.

The theme and the extensions link eleven stylesheets in a page's ``<head>`` (the theme's
theme.css, which imports Sphinx's basic.css, the theme's 66 kB of compressed CSS,
pygments, the book theme, the toggle and copy buttons, myst-nb, Thebe, the exercises,
sphinx-design and book.css). Each blocks the first paint; on a phone's network a browser
fetches them six at a time, and basic.css only once theme.css has arrived: Lighthouse
counted 0.15-1.4 s of render-blocking time for each. Here the written pages' stylesheet
links are replaced by one link to their concatenation, ``_static/styles/bundle-<hash>.css``
(the same files in the same order, so the same cascade; ``@import`` rules inlined where they
stood, relative ``url()`` addresses rebased to the bundle's folder, source-map comments dropped;
the theme's CSS frameworks without the rules no page can use: tools/unused_css.py).
Pages that link the same stylesheets share one bundle, so a reader's browser caches it
once for the whole book. The files it is made of stay in the site. The written pages
are rewritten once, after the build (:class:`Bundler` says how an incremental build
keeps them current).
"""

from __future__ import annotations

import hashlib
import pathlib
import posixpath
import re
import urllib.parse

from sphinx.errors import ExtensionError
from sphinx.util import logging

from tools import unused_css
from tools.sphinx_ext import rewrite_pages

FOLDER = "_static/styles"
HEAD = re.compile(r"<head>.*?</head>", re.S)
#: a stylesheet link as Sphinx and the theme write it (no media, no title: all screens)
LINK = re.compile(r'[ \t]*<link (?=[^>]*\brel="stylesheet")(?![^>]*\b(?:media|title)=)'
                  r'[^>]*\bhref="(?P<href>[^"]+)"[^>]*/?>\n?')
IMPORT = re.compile(r"""@import\s+(?:url\()?\s*(['"]?)(?P<url>[^'")\s]+)\1\s*\)?\s*;""")
URL = re.compile(r"""url\(\s*(['"]?)(?P<url>[^'")]+)\1\s*\)""")
SOURCE_MAP = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/")
logger = logging.getLogger(__name__)


def _local(url: str) -> bool:
    """Whether ``url`` is a relative address of a file of the site."""
    parts = urllib.parse.urlsplit(url)
    return not (parts.scheme or parts.netloc or url.startswith(("/", "#")))


def flatten(path: pathlib.Path, site: pathlib.Path, folder: str, seen=()) -> str:
    """The CSS of ``path`` (a file of ``site``) with its ``@import`` rules of local files
    inlined and every relative ``url()`` rebased to ``folder`` (relative to ``site``)."""
    if path in seen:
        raise ExtensionError(f"one_stylesheet: {path} imports itself")
    css = SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
    here = path.parent.relative_to(site).as_posix()

    def rebase(match):
        url = match.group("url")
        if not _local(url):
            return match.group(0)
        target = posixpath.normpath(posixpath.join(here, url))
        return f'url("{posixpath.relpath(target, folder)}")'

    def inline(match):
        url = match.group("url")
        if not _local(url):
            raise ExtensionError(f"one_stylesheet: {path} imports {url}, which is not a "
                                 "file of the site")
        target = site / posixpath.normpath(posixpath.join(here, url.split("?")[0]))
        return flatten(target, site, folder, (*seen, path))

    pieces, end = [], 0
    for match in IMPORT.finditer(css):
        pieces += [URL.sub(rebase, css[end:match.start()]), inline(match)]
        end = match.end()
    pieces.append(URL.sub(rebase, css[end:]))
    return "".join(pieces)


class Bundler:
    """Rewrites pages of ``site`` (a built site's folder) to link one bundle each.

    A bundle is named by the files it is made of (a hash of their names) and its first
    line lists them; its link carries a hash of its content (``?v=``). An incremental
    build writes only the pages whose source changed, and copies every static file
    again: so every bundle of the site is made again from its list, and every page's
    bundle link is given the current content's hash."""

    def __init__(self, site: pathlib.Path):
        self.site = pathlib.Path(site)
        self.digests: dict[str, str] = {}  # bundle's path -> its content's hash
        self.words: set[str] | None = None  # the site's words (unused_css), when needed
        for old in sorted((self.site / FOLDER).glob("bundle-*.css")):
            files = self.files_of(old)
            if files and all((self.site / name).is_file() for name in files):
                self.bundle(files)

    @staticmethod
    def files_of(bundle: pathlib.Path) -> tuple[str, ...]:
        """The files ``bundle`` was made of, from its first line (empty if it has none)."""
        with open(bundle, encoding="utf-8") as f:
            first = f.readline()
        match = re.fullmatch(r"/\* one_stylesheet: (.*) \*/\n", first)
        return tuple(match.group(1).split()) if match else ()

    def css(self, name: str) -> str:
        """The CSS the file ``name`` brings to a bundle: flattened, and for the theme's
        frameworks (unused_css.PURGED) without the rules no page can use."""
        css = flatten(self.site / name, self.site, FOLDER)
        if name in unused_css.PURGED:
            if self.words is None:
                self.words = unused_css.site_words(self.site)
            css = unused_css.purge(css, self.words)
        return css

    def bundle(self, files: tuple[str, ...]) -> str:
        """The bundle of ``files`` (paths relative to the site), made once per build:
        its path relative to the site."""
        path = f"{FOLDER}/bundle-{hashlib.sha256(' '.join(files).encode()).hexdigest()[:12]}.css"
        if path not in self.digests:
            for name in files:
                if not (self.site / name).is_file():
                    raise ExtensionError(f"one_stylesheet: a page links {name}, which is "
                                         "not in the built site")
            text = f"/* one_stylesheet: {' '.join(files)} */\n" + "\n".join(
                f"/* {name} */\n" + self.css(name) for name in files)
            (self.site / path).write_text(text, encoding="utf-8")
            self.digests[path] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        return path

    def rewrite(self, html: str, page: pathlib.Path) -> str:
        """``html`` (the page ``page``, a path relative to the site) with its head's
        stylesheet links replaced by one link, where the first of them stood; a link
        to a bundle already there gets the bundle's current hash."""
        head = HEAD.search(html)
        if head is None:
            return html
        here = page.parent.as_posix() or "."
        links = list(LINK.finditer(head.group(0)))
        hrefs = [m.group("href") for m in links]
        files = tuple(posixpath.normpath(posixpath.join(here, urllib.parse.urlsplit(h).path))
                      for h in hrefs)
        if len(links) == 1 and files[0] in self.digests:  # rewritten by an earlier build
            path = files[0]
        elif len(links) >= 2 and all(_local(h) for h in hrefs):
            path = self.bundle(files)
        else:
            return html
        tag = (f'<link rel="stylesheet" type="text/css" '
               f'href="{posixpath.relpath(path, here)}?v={self.digests[path]}" />\n')
        new = LINK.sub(lambda m: tag if m.start() == links[0].start() else "", head.group(0))
        return html[:head.start()] + new + html[head.end():]


def rewrite(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    bundler = Bundler(pathlib.Path(app.outdir))
    changed = rewrite_pages(app, exception, bundler.rewrite, with_path=True)
    logger.info("one_stylesheet: %d pages rewritten; %d stylesheet bundles", changed,
                len(bundler.digests))


def setup(app):
    # after every other build-finished handler: pydata-sphinx-theme writes pygments.css
    # (its accessible light and dark colours) there, and the bundle must hold that one
    app.connect("build-finished", rewrite, priority=900)
    # it rewrites the written pages once, after the whole build (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

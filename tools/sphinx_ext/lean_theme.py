"""The theme's Font Awesome, as light as the book's icons allow.

pydata-sphinx-theme loads Font Awesome twice: its CSS already defines every icon class
with the woff2 webfonts (fa-solid-900.woff2 is 156 kB), and a 1,489,308-byte script
then replaces those icons with SVGs. Without the script the icons render from the
webfont, identical to the eye, and a chapter page stays inside the book's 4 MB budget
(CONTRIBUTING.md, "Performance budgets"; `make bench` prints the weight). The script tag comes
from the theme's webpack macro, so it is removed from the written pages (:func:`strip`).

The webfonts are still 300 kB (solid and brands, 25 kB more for regular) for about fifteen
icons, and a phone fetches them at the highest priority while the first screen loads;
the theme's CSS holds 1,800 icon rules (85 kB). :func:`subset_icons` keeps what the built
site uses: the icon classes (``fa-...``) its pages and scripts name, and the glyphs other
rules of its stylesheets write (``content: "\\f107"``, the admonitions' icon variables).
Each Font Awesome font becomes a WOFF file of those glyphs
(``<font>.subset.woff``, next to the original, which stays), its ``@font-face`` points
there, and the rules of icons nobody uses are dropped, so an unused class shows nothing
rather than a missing glyph. It rewrites the site's copy of the stylesheet before
:mod:`one_stylesheet` bundles it (Sphinx copies the theme's original again at each build).
"""

from __future__ import annotations

import pathlib
import posixpath
import re

from sphinx.util import logging

from tools.sphinx_ext import rewrite_pages

TAG = re.compile(r'<script defer src="[^"]*_static/scripts/fontawesome\.js(\?[^"]*)?"></script>')
#: an icon's rule: ``.fa-name:before,.fa-alias:before{content:"\\f002"}``
ICON_RULE = re.compile(r'(?P<selectors>\.fa-[a-z0-9-]+::?before(?:,\s*\.fa-[a-z0-9-]+::?before)*)'
                       r'\s*\{\s*content:\s*"\\(?P<code>[0-9a-fA-F]+)"\s*;?\s*\}')
NAME = re.compile(r"\bfa-[a-z0-9]+(?:-[a-z0-9]+)*")
#: a glyph a stylesheet writes as a CSS string escape (``"\\f107"``, ``"\\e5a1"``)
GLYPH = re.compile(r'"\\(?P<code>[ef][0-9a-fA-F]{3,4})"')
FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
FAMILY = re.compile(r"font-family:\s*['\"]?Font Awesome")
TTF = re.compile(r"url\(\s*['\"]?(?P<url>[^'\")]+\.ttf)['\"]?\s*\)")
SRC = re.compile(r"src:[^;}]*")
logger = logging.getLogger(__name__)


def strip(app, exception):
    changed = rewrite_pages(app, exception, lambda text: TAG.sub("", text))
    if changed is not None:
        logger.info("lean_theme: fontawesome.js removed from %d pages", changed)


def icons(css: str) -> dict[str, int]:
    """{icon class: its code point} from the icon rules of ``css``."""
    out = {}
    for match in ICON_RULE.finditer(css):
        for name in NAME.findall(match.group("selectors")):
            out[name] = int(match.group("code"), 16)
    return out


def prune(css: str, used: set[str]) -> str:
    """``css`` without the icon rules of which no class is in ``used``."""
    return ICON_RULE.sub(lambda m: m.group(0) if set(NAME.findall(m.group("selectors"))) & used
                         else "", css)


def glyphs(css: str) -> set[int]:
    """The code points ``css`` writes outside its icon rules (pseudo-elements, variables)."""
    return {int(code, 16) for code in GLYPH.findall(ICON_RULE.sub("", css))}


def subset_font(source: pathlib.Path, codes: set[int], dest: pathlib.Path) -> int:
    """``source`` (a TrueType font) cut to the glyphs of ``codes`` it has, written to
    ``dest`` as WOFF: how many of them it has."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source)
    kept = codes & set(font.getBestCmap())
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(unicodes=kept)
    subsetter.subset(font)
    font.flavor = "woff"
    font.save(dest)
    return len(kept)


def font_faces(css: str, codes: set[int], folder: pathlib.Path) -> str:
    """``css`` (a stylesheet of ``folder``) with each Font Awesome ``@font-face`` loading
    a WOFF subset (``codes``) of its TrueType file, written next to that file."""
    def one(match):
        rule = match.group(0)
        ttf = TTF.search(rule)
        if not FAMILY.search(rule) or ttf is None:
            return rule
        url = ttf.group("url")
        subset_url = posixpath.splitext(url)[0] + ".subset.woff"
        subset_font(folder / url, codes, folder / subset_url)
        return SRC.sub(f'src:url({subset_url}) format("woff")', rule, count=1)

    return FONT_FACE.sub(one, css)


def subset_icons(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    site = pathlib.Path(app.outdir)
    sheets = [p for p in (site / "_static").rglob("*.css")
              if not p.name.startswith("bundle-")]
    texts = {p: p.read_text(encoding="utf-8") for p in sheets}
    fonts = [p for p, css in texts.items() if icons(css) and FAMILY.search(css)]
    if not fonts:
        return
    used = set()
    for path in [*site.rglob("*.html"), *site.rglob("*.js")]:
        used |= set(NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    codes = set().union(*(glyphs(css) for css in texts.values()))
    for path in fonts:
        table = icons(texts[path])
        codes |= {code for name, code in table.items() if name in used}
    for path in fonts:
        css = font_faces(prune(texts[path], used), codes, path.parent)
        path.write_text(css, encoding="utf-8")
        logger.info("lean_theme: %s keeps %d icon classes and %d glyphs", path.name,
                    len(icons(css)), len(codes))


def setup(app):
    app.connect("build-finished", strip)
    # before one_stylesheet (priority 900) bundles the stylesheet it rewrites
    app.connect("build-finished", subset_icons, priority=850)
    # it rewrites the written pages and one stylesheet once, after the whole build
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""The site's math font: Noto Sans Math, cut to the characters the book's maths uses.

A browser draws MathML (tools/sphinx_ext/mathml.py) with a font that has an OpenType
MATH table: its large operators, stretchy delimiters and radicals, script sizes and
fraction rules come from that table. CSS's ``font-family: math`` does not find one on
most readers' systems: Chromium never looks for one on Android (no such font ships
with it) and elsewhere looks for "Latin Modern Math" only, so a sum is drawn at text
size and a brace or a root does not grow. The site therefore ships one: Noto Sans Math
(SIL Open Font License 1.1; tools/fonts/, from the npm package @fontsource/noto-sans-math
5.3.0), 256 kB whole, cut here with fontTools (which keeps the MATH table and the
glyphs it names: size variants, parts of stretchy delimiters, script forms) to the
characters inside the written pages' ``<math>`` elements, and the italic letters a
browser draws for single-letter identifiers. _static/book.css names the cut font,
``_static/math.woff``, in its ``@font-face``.
"""

from __future__ import annotations

import html
import pathlib
import re

from sphinx.errors import ExtensionError
from sphinx.util import logging

SOURCE = pathlib.Path(__file__).resolve().parents[1] / "fonts" / "noto-sans-math.woff"
OUTPUT = "_static/math.woff"
MATH = re.compile(r"<math\b.*?</math>", re.S)
TAG = re.compile(r"<[^>]*>")
logger = logging.getLogger(__name__)

# the Mathematical Italic letters MathML Core draws a single-letter <mi> with
_ITALIC = {**{chr(0x61 + i): chr(0x1D44E + i) for i in range(26)},
           **{chr(0x41 + i): chr(0x1D434 + i) for i in range(26)},
           **{chr(0x3B1 + i): chr(0x1D6FC + i) for i in range(25)},
           **{chr(0x391 + i): chr(0x1D6E2 + i) for i in range(25)},
           "h": "\u210e", "\u0131": "\U0001D6A4", "\u0237": "\U0001D6A5",
           "\u2207": "\U0001D6FB", "\u2202": "\U0001D715", "\u03f5": "\U0001D716",
           "\u03d1": "\U0001D717", "\u03f0": "\U0001D718", "\u03d5": "\U0001D719",
           "\u03f1": "\U0001D71A", "\u03d6": "\U0001D71B"}


def characters(page: str) -> set[str]:
    """The characters of ``page``'s ``<math>`` elements, with the italic form of each
    letter (a browser draws a single-letter identifier in italic)."""
    chars = set()
    for math in MATH.findall(page):
        chars |= set(html.unescape(TAG.sub("", math)))
        if "<msqrt" in math or "<mroot" in math:
            chars.add("\u221a")  # the radical sign: drawn, not written
    return chars | {_ITALIC[c] for c in chars if c in _ITALIC}


def cut(source: pathlib.Path, chars: set[str], dest: pathlib.Path) -> int:
    """``source`` cut to ``chars`` (and what its MATH and layout tables reach from
    them), written as WOFF to ``dest``; returns its size in bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]   # ssty (script primes), size variants' features
    options.name_IDs = ["*"]          # its copyright and licence stay in the font
    options.notdef_outline = True
    font = TTFont(source)
    if "MATH" not in font:
        raise ExtensionError(f"math_font: {source} has no MATH table")
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    dest.parent.mkdir(parents=True, exist_ok=True)
    font.save(dest)
    return dest.stat().st_size


def write_font(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    site = pathlib.Path(app.outdir)
    chars = set()
    for page in site.rglob("*.html"):
        chars |= characters(page.read_text(encoding="utf-8"))
    chars -= set(" \t\n")
    if not chars:
        return
    size = cut(SOURCE, chars, site / OUTPUT)
    logger.info("math_font: %s, %d characters, %d bytes", OUTPUT, len(chars), size)


def setup(app):
    if not SOURCE.exists():
        raise ExtensionError(f"math_font: {SOURCE} is missing (the book's math font)")
    app.connect("build-finished", write_font)
    # it reads the written pages once, after the whole build (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

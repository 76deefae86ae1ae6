"""The book's Sphinx extensions (tools/sphinx_ext/): each declares its version and that it
is safe for Sphinx's parallel read and write (every one works on one document or page at
a time, or once after the build), and a broken input is Sphinx's ExtensionError."""

from __future__ import annotations

import importlib
import json
import pathlib
import pkgutil
import re
import types

import pytest
from sphinx.errors import ExtensionError

from tools import sphinx_ext

EXTENSIONS = sorted(info.name for info in pkgutil.iter_modules(sphinx_ext.__path__))


def test_the_extensions_are_found():
    assert {"coursework_table", "quiet_exercises", "launch_links"} <= set(EXTENSIONS)


@pytest.mark.parametrize("name", EXTENSIONS)
def test_setup_declares_version_and_parallel_safety(name):
    calls = []
    app = types.SimpleNamespace(connect=lambda *args, **kwargs: calls.append(args),
                                add_directive=lambda *args: calls.append(args),
                                add_html_math_renderer=lambda *args: calls.append(args))
    meta = importlib.import_module(f"tools.sphinx_ext.{name}").setup(app)
    assert calls, f"{name}: setup() registers nothing"
    assert meta.get("version"), f"{name}: setup() returns no version"
    assert meta.get("parallel_read_safe") is True and meta.get("parallel_write_safe") is True


@pytest.mark.parametrize("tex, why", [
    (r"\frac{1}{", "latex2mathml cannot convert"),   # unbalanced braces
    (r"\boldsymbol{x}", "mathvariant"),              # a mathvariant Chromium ignores
    (r"\mathbf{\sigma}", "mathvariant"),
])
def test_a_formula_mathml_core_cannot_show_fails_the_build_with_its_page(tex, why):
    from tools.sphinx_ext import mathml

    writer = types.SimpleNamespace(builder=types.SimpleNamespace(current_docname="chapters/04"))
    node = types.SimpleNamespace(line=12, parent=None)
    with pytest.raises(ExtensionError, match=why) as raised:
        mathml.convert_or_fail(writer, node, tex, display=False)
    assert "chapters/04:12" in str(raised.value) and repr(tex) in str(raised.value)


@pytest.mark.parametrize("text, want", [
    ("see {doc}`07_dropout`.", "see {doc}`/chapters/07_dropout`."),
    ("{doc}`chapter 4 <04_relu>` and {doc}`/intro`",
     "{doc}`chapter 4 </chapters/04_relu>` and {doc}`/intro`"),
    ("no link, `code` and {ref}`ex-a`", "no link, `code` and {ref}`ex-a`"),
])
def test_exercise_statements_link_other_chapters_from_the_instructors_page(text, want):
    from tools.sphinx_ext.coursework_table import absolute_doc_links

    assert absolute_doc_links(text, "chapters") == want
    assert absolute_doc_links("{doc}`intro`", "") == "{doc}`/intro`"


# --- a phone gets a chapter fast: lazy_explorers, defer_scripts ------------------------

def explorer_html(frames=(b"one", b"two", b"three")):
    from lib import explorer

    made = explorer.Explorer({"k": tuple(range(len(frames)))}, list(frames), name="t",
                             alt="A figure", size=(10, 10), precompute_seconds=0,
                             from_cache=False)
    return made._html()


def test_an_explorer_keeps_its_first_frame_and_its_others_become_a_file(tmp_path):
    from tools.sphinx_ext import lazy_explorers

    body = "<p>before</p>" + explorer_html() + "<p>after</p>"
    out, count = lazy_explorers.split(body, lambda name: "../" + name, tmp_path, "page")
    assert count == 1 and out.startswith("<p>before</p>") and out.endswith("<p>after</p>")
    assert out.count("data:image/png") == 1 and "b25l" in out  # base64 of b"one"
    data = json.loads(re.search(r'lib-explorer-data">([^<]*)<', out).group(1))
    assert data["src"] == f"../_explorer/{data['key']}.js" and "frames" not in data
    file = (tmp_path / "_explorer" / f"{data['key']}.js").read_text()
    assert "dHdv" in file and "dGhyZWU" in file and "b25l" not in file  # two, three
    assert len(data["alts"]) == 3
    # the script is lib.explorer's own, which fetches the frames named by "src"
    uid = re.search(r'<div id="(explorer-[^"]+)"', out).group(1)
    from lib import explorer

    assert f"<script>{explorer._SCRIPT.replace('UID', uid)}</script></div>" in out


def test_an_explorer_of_another_lib_version_is_left_as_it_is(tmp_path):
    from tools.sphinx_ext import lazy_explorers

    body = explorer_html().replace("img.alt = data.alts[index];", "")
    out, count = lazy_explorers.split(body, lambda name: name, tmp_path, "page")
    assert (out, count) == (body, 0) and not (tmp_path / "_explorer").exists()


def test_head_scripts_are_deferred_and_nothing_else():
    from tools.sphinx_ext.defer_scripts import defer

    head = ('<head><script src="a.js"></script><script data-x="1" src="b.js"></script>'
            '<link rel="preload" as="script" href="e.js?digest=1" />\n'
            '<link rel="preload" as="font" href="f.woff2" />'
            '<script async="async" src="c.js"></script><script>let x = 1;</script>'
            '<script type="module" src="d.js"></script></head>')
    body = '<body><script src="e.js"></script></body>'
    assert defer(head + body) == (
        '<head><script defer src="a.js"></script><script defer data-x="1" src="b.js">'
        '</script><link rel="preload" as="font" href="f.woff2" />'
        '<script async="async" src="c.js"></script><script>let x = 1;</script>'
        '<script type="module" src="d.js"></script></head>' + body)


def test_deferred_scripts_wait_for_the_first_paint_in_their_order():
    from tools.sphinx_ext.defer_scripts import after_paint

    page = ('<head><script>let x = 1;</script><script defer src="a.js?v=1&amp;b=2"></script>'
            '<script defer data-p="t-" src="b.js"></script>'
            '<script async="async" src="c.js"></script>'
            '<script type="module" src="d.js"></script></head><body><p>text</p>'
            '<script defer src="e.js"></script></body>')
    out = after_paint(page)
    assert re.findall(r"<script[^>]*src=[^>]*>", out) == ['<script type="module" src="d.js">']
    assert '<script>let x = 1;</script>' in out and "<p>text</p><script>(function" in out
    assert out.count("prefers-color-scheme") == 1 and "</script>\n</head>" in out
    scripts = json.loads(re.search(r"\}\)\((\[.*\])\);</script>\n</body>$", out).group(1))
    assert scripts == [["a.js?v=1&b=2", {}], ["b.js", {"data-p": "t-"}],
                       ["c.js", {"async": "async"}], ["e.js", {}]]
    assert after_paint("<p>no body end</p>") == "<p>no body end</p>"


ICON_CSS = ('.fa-solid{font-weight:900}.fa-magnifying-glass:before,.fa-search:before'
            '{content:"\\f002"}.fa-mask:before{content:"\\f6fa"}'
            '.onthispage:after{content:"\\f107";font-family:Font Awesome\\ 6 Free}'
            'html{--pst-icon-note:"\\f05a"}')


def test_only_the_icons_the_site_names_are_kept():
    from tools.sphinx_ext import lean_theme

    assert lean_theme.icons(ICON_CSS) == {"fa-magnifying-glass": 0xF002, "fa-search": 0xF002,
                                          "fa-mask": 0xF6FA}
    used = set(lean_theme.NAME.findall('<i class="fa-solid fa-search"></i>'))
    assert lean_theme.prune(ICON_CSS, used) == ICON_CSS.replace(
        '.fa-mask:before{content:"\\f6fa"}', "")
    assert lean_theme.glyphs(ICON_CSS) == {0xF107, 0xF05A}


def test_an_icon_font_keeps_the_glyphs_asked_for(tmp_path):
    import pydata_sphinx_theme
    from fontTools.ttLib import TTFont

    from tools.sphinx_ext import lean_theme

    ttf = next(pathlib.Path(pydata_sphinx_theme.__file__).parent.rglob("fa-brands-400.ttf"))
    github, absent = 0xF09B, 0xF002  # the brands font has GitHub's icon, no magnifying glass
    kept = lean_theme.subset_font(ttf, {github, absent}, tmp_path / "brands.woff")
    font = TTFont(tmp_path / "brands.woff")
    assert kept == 1 and set(font.getBestCmap()) == {github}
    assert (tmp_path / "brands.woff").read_bytes()[:4] == b"wOFF"
    assert (tmp_path / "brands.woff").stat().st_size < ttf.stat().st_size / 20


def test_a_page_links_one_stylesheet_made_of_its_stylesheets_in_order(tmp_path):
    from tools.sphinx_ext.one_stylesheet import Bundler

    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "basic.css").write_text("p { margin: 0 }\n")
    (static / "styles" / "theme.css").write_text('@import "../basic.css";\n'
                                                 "i { background: url(../vendor/a.png) }\n"
                                                 "/*# sourceMappingURL=theme.css.map */")
    (static / "book.css").write_text("b { background: url('x.svg'), url(data:,z) }\n")
    (tmp_path / "chapters").mkdir()
    page = ('<html><head>\n<link href="../_static/styles/theme.css?digest=1" rel="stylesheet" />'
            '\n<link rel="stylesheet" type="text/css" href="../_static/book.css?v=2" />\n'
            '<link rel="stylesheet" href="print.css" media="print" />\n</head><body>'
            '<link rel="stylesheet" href="late.css" /></body></html>')
    out = Bundler(tmp_path).rewrite(page, pathlib.Path("chapters/c.html"))
    links = re.findall(r'<link [^>]*>', out)
    assert len(links) == 3 and links[1:] == ['<link rel="stylesheet" href="print.css" '
                                             'media="print" />',
                                             '<link rel="stylesheet" href="late.css" />']
    href = re.search(r'href="\.\./(_static/styles/bundle-\w+\.css)\?v=(\w+)"', links[0])
    bundle = (tmp_path / href.group(1)).read_text()
    assert bundle.index("margin: 0") < bundle.index("../vendor/a.png") < bundle.index(
        '"../x.svg"') and "url(data:,z)" in bundle and "@import" not in bundle
    assert "sourceMappingURL" not in bundle
    # a later (incremental) build makes the bundle again and gives kept pages its hash
    (static / "book.css").write_text("b { color: red }\n")
    again = Bundler(tmp_path).rewrite(out, pathlib.Path("chapters/c.html"))
    assert "color: red" in (tmp_path / href.group(1)).read_text()
    assert again == out.replace(href.group(2), re.search(r"\?v=(\w+)", again).group(1))
    assert again != out


def test_the_themes_scan_for_scrollable_blocks_asks_the_page_first():
    from tools.sphinx_ext.lazy_tab_stops import SCAN, patch

    theme = "a();document.querySelectorAll(s)" + SCAN + "e.scrollHeight>e.clientHeight?0:-1})"
    patched = patch(theme)
    assert patched.startswith("a();document.querySelectorAll(s).forEach(e=>{if(window."
                              "bookTabStops&&bookTabStops.skipped(e))return;e.tabIndex=")
    assert patch(patched) == patched  # an incremental build finds it patched
    assert patch(theme.replace("e.tabIndex", "el.tabIndex")) is None


def test_a_figure_is_lazy_and_has_its_size_an_explorer_frame_is_left(tmp_path):
    import struct
    import zlib

    from tools.sphinx_ext.lazy_images import lazy

    (tmp_path / "_images").mkdir()
    ihdr = struct.pack(">IIBBBBB", 711, 371, 8, 2, 0, 0, 0)
    (tmp_path / "_images" / "f.png").write_bytes(
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr
        + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)))
    page = ('<img alt="A" src="../_images/f.png" />'
            '<img src="data:image/png;base64,AAAA" alt="frame" />'
            '<img alt="logo" src="../_static/images/logo_colab.png" />')
    out = lazy(page, pathlib.Path("chapters/c.html"), tmp_path)
    assert out == ('<img alt="A" src="../_images/f.png" loading="lazy" decoding="async" '
                   'width="711" height="371" />' + page[page.index("<img src="):])
    assert lazy(out, pathlib.Path("chapters/c.html"), tmp_path) == out


def test_code_blocks_are_written_with_the_button_the_script_would_add():
    import sphinx_copybutton

    from tools.sphinx_ext.static_copybuttons import button_markup, patch, with_buttons

    template = (pathlib.Path(sphinx_copybutton.__file__).parent / "_static"
                / "copybutton.js_t").read_text(encoding="utf-8")
    script = re.sub(r"\{\{.*?\}\}", "", template)  # as the build renders it, by default
    button = button_markup(script)
    assert button and 'data-tooltip="Copy" data-clipboard-target="#{id}"' in button
    assert "<title>Copy to clipboard</title>" in button and "${" not in button
    page = ('<div class="highlight"><pre><span></span>a = 1\n</pre></div><pre>raw</pre>'
            '<div class="highlight"><pre id="x"><span></span>print(a)\n</pre></div>')
    out = with_buttons(page, button)
    assert out.count('<button class="copybtn') == 2
    assert ('<pre id="codecell0"><span></span>a = 1\n</pre><button class="copybtn '
            'o-tooltip--left" data-tooltip="Copy" data-clipboard-target="#codecell0">') in out
    assert '<pre id="codecell1"><span></span>print(a)\n</pre><button' in out
    assert "<pre>raw</pre>" in out and with_buttons(out, button) == out
    patched = patch(script)
    assert patched.count("classList.contains('copybtn')) return") == 1
    assert patch(patched) == patched
    assert button_markup(script.replace("'en': {", "'en-GB': {")) is None


def test_a_framework_rule_no_page_can_use_is_left_out(tmp_path):
    from tools.unused_css import PURGED, purge, site_words

    (tmp_path / "p.html").write_text('<div class="card used" id="top">x</div>')
    (tmp_path / "s.js").write_text('el.classList.add("show"); t = "bs-tooltip-" + where')
    words = site_words(tmp_path)
    css = (".card{a:1}.mt-5{a:2}.card.show:hover{a:3}.card.fade{a:4}"
           '.used:not(.nowhere){a:5}.gone,.used{a:6}#top a[href$=".x"]{a:7}'
           ".bs-tooltip-end{a:8}.bs-tooltip-end .arrow{a:10}.sm\\:flex{a:9}"
           "@media (min-width:9px){.mt-5{b:1}}"
           "@media print{.card{b:2}.gone{b:3}}@font-face{font-family:F}")
    out = purge(css, words)
    for kept in (".card{a:1}", ".card.show:hover{a:3}", ".used:not(.nowhere){a:5}",
                 ".gone,.used{a:6}", '#top a[href$=".x"]{a:7}', ".bs-tooltip-end{a:8}",
                 ".sm\\:flex{a:9}", "@media print{.card{b:2}}", "@font-face{font-family:F}"):
        assert kept in out.replace("\n", ""), kept
    for dropped in (".mt-5", ".card.fade", "min-width", ".gone{b:3}", ".arrow"):
        assert dropped not in out, dropped
    assert PURGED and all(name.endswith(".css") for name in PURGED)


# --- the maths as MathML Core (tools/sphinx_ext/mathml.py): one test per kind of
# construct the book uses, on the MathML itself (MathJax's markup has none of it)

def maths(tex, display=False):
    """``tex`` as the site writes it, parsed: (the <math> element, its text)."""
    import xml.etree.ElementTree as ET

    from tools.sphinx_ext.mathml import to_mathml

    written = to_mathml(tex, display)
    assert written.startswith("<math") and "xmlns" not in written and "\\" not in written
    return ET.fromstring(written), written


def tags(root):
    return [el.tag for el in root.iter()]


def test_maths_inline_and_display():
    assert "display" not in maths("x")[0].attrib
    assert maths("x", display=True)[0].get("display") == "block"


def test_maths_fractions_and_roots():
    root, _ = maths(r"\frac{\partial \ell}{\partial h} + \tfrac12 + \sqrt{n}")
    assert tags(root).count("mfrac") == 2 and "msqrt" in tags(root)
    small = root.find(".//mstyle")  # \tfrac: a text-size fraction in display maths too
    assert small.get("displaystyle") == "false" and small.find("mfrac") is not None


def test_maths_scripts():
    root, _ = maths(r"W_l^{\top} x_i^2 h_{l-1}")
    assert [el.tag for el in root[0]] == ["msubsup", "msubsup", "msub"]


def test_maths_letters_bold_blackboard_calligraphic_greek():
    root, written = maths(r"\mathbf{w} \mathbf 1 \mathbb{E} \mathcal{L} \Phi \Gamma \alpha")
    # Unicode's mathematical letters: Chromium ignores mathvariant="bold" and the like
    for letter in ("\U0001D430", "\U0001D7CF", "\U0001D53C", "\u2112"):
        assert letter in written
    assert "bold" not in written and "double-struck" not in written
    greek = {el.text: el.get("mathvariant") for el in root.iter("mi")}
    assert greek["\u03a6"] == greek["\u0393"] == "normal"  # capital Greek stays upright
    assert greek["\u03b1"] is None                         # small Greek, italic


def test_maths_text_and_operator_names():
    root, _ = maths(r"\operatorname{relu}(x) = \max(0, x), \ln x, \text{if } x")
    names = [el.text for el in root.iter("mi") if len(el.text) > 1]
    assert names == ["relu", "max", "ln"]   # upright identifiers, not operators
    assert [el.text for el in root.iter("mtext")] == ["if\u00a0"]  # its space kept
    row = list(root[0])
    ln = next(i for i, el in enumerate(row) if el.text == "ln")
    assert row[ln + 1].tag == "mspace"      # TeX's thin space before an operand
    relu = next(i for i, el in enumerate(row) if el.text == "relu")
    assert row[relu + 1].text == "("        # none before a parenthesis


def test_maths_accents():
    root, _ = maths(r"\tilde h_j + \widetilde{E}")
    accents = root.findall(".//mover")
    assert len(accents) == 2 and all(a.get("accent") == "true" for a in accents)
    assert {a[1].text for a in accents} == {"\u02dc"}


def test_maths_big_operators_and_their_limits():
    inline, _ = maths(r"\sum_{j=1}^{k} v_j")
    display, _ = maths(r"\sum_{j=1}^{k} v_j \max_{j} x_j", display=True)
    assert inline.find(".//msubsup/mo").text == "\u2211"       # limits beside, inline
    assert display.find(".//munderover/mo").text == "\u2211"   # under and over, display
    limit = display.find(".//munder/mo")
    assert limit.text == "max" and limit.get("movablelimits") == "true"


def test_maths_delimiters_keep_their_size_unless_told():
    root, written = maths(r"\lVert w \rVert + \bigl\lVert x \bigr\rVert + \lfloor k/2 \rfloor")
    fences = [el for el in root.iter("mo") if el.text in "\u2016\u230a\u230b"]
    assert len(fences) == 6 and "lVert" not in written
    assert [el.get("stretchy") for el in fences] == ["false", "false", "true", "true",
                                                      "false", "false"]
    assert fences[2].get("minsize") == fences[2].get("maxsize")  # \bigl: one fixed size


def test_maths_cases_align_their_columns_left():
    root, written = maths(r"\begin{cases} x & \text{if } x > 0, \\ 0 & \text{if } x \le 0. "
                          r"\end{cases}", display=True)
    cells = root.findall(".//mtd")
    assert len(root.findall(".//mtr")) == 2 and len(cells) == 4
    assert "columnalign" not in written     # Chromium ignores it: each cell's own style
    assert all(cell.get("style") == "text-align: left" for cell in cells)
    brace = root.find(".//mo")
    assert brace.text == "{" and brace.get("stretchy") == "true"


def test_maths_spacing_and_digit_groups():
    root, _ = maths(r"a\,b\;c\qquad d \quad 1{,}024")
    assert [el.get("width") for el in root.iter("mspace")] == ["0.167em", "0.278em", "2em", "1em"]
    comma = next(el for el in root.iter("mo") if el.text == ",")
    assert comma.get("lspace") == comma.get("rspace") == "0"   # {,}: no space after it


def test_maths_primes_follow_their_letter_unscripted():
    root, written = maths(r"\sigma'(x) + \operatorname{relu}'(x)")
    assert "msup" not in written    # a superscript would draw the prime small and high
    primes = [el for el in root.iter("mo") if el.text == "\u2032"]
    assert len(primes) == 2 and all(p.get("lspace") == p.get("rspace") == "0" for p in primes)


def test_the_math_font_covers_the_maths_and_keeps_its_math_table(tmp_path):
    from fontTools.ttLib import TTFont

    from tools.sphinx_ext import math_font

    page = ('<p>x</p><math><msqrt><mi>x</mi></msqrt><mo>\u2211</mo>'
            '<mi>\U0001D430</mi></math>')
    chars = math_font.characters(page)
    # a browser draws <mi>x</mi> in italic, and draws the radical sign of <msqrt>
    assert {"x", "\U0001D465", "\u221a", "\u2211", "\U0001D430"} <= chars
    assert "p" not in chars          # text outside the maths is the page's own font's
    size = math_font.cut(math_font.SOURCE, chars, tmp_path / "math.woff")
    font = TTFont(tmp_path / "math.woff")
    assert "MATH" in font and set(font.getBestCmap()) == {ord(c) for c in chars}
    assert size < math_font.SOURCE.stat().st_size / 5


def test_maths_unary_signs_and_slashes_are_spaced_as_in_tex():
    root, _ = maths(r"[-1, 1] \quad x = -2 \quad a - b \quad (x) - 1 \quad d/30")
    signs = [el.get("form") for el in root.iter("mo") if el.text == "\u2212"]
    assert signs == ["prefix", "prefix", None, None]   # unary, unary, binary, binary
    slash = next(el for el in root.iter("mo") if el.text == "/")
    assert slash.get("lspace") == slash.get("rspace") == "0"   # TeX's / is a symbol

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
from tools.sphinx_ext import offline_mathjax

EXTENSIONS = sorted(info.name for info in pkgutil.iter_modules(sphinx_ext.__path__))


def test_the_extensions_are_found():
    assert {"coursework_table", "quiet_exercises", "launch_links"} <= set(EXTENSIONS)


@pytest.mark.parametrize("name", EXTENSIONS)
def test_setup_declares_version_and_parallel_safety(name):
    calls = []
    app = types.SimpleNamespace(connect=lambda *args, **kwargs: calls.append(args),
                                add_directive=lambda *args: calls.append(args))
    meta = importlib.import_module(f"tools.sphinx_ext.{name}").setup(app)
    assert calls, f"{name}: setup() registers nothing"
    assert meta.get("version"), f"{name}: setup() returns no version"
    assert meta.get("parallel_read_safe") is True and meta.get("parallel_write_safe") is True


def test_missing_mathjax_is_an_extension_error(monkeypatch):
    monkeypatch.setattr(offline_mathjax.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ExtensionError, match="MathJax is not installed"):
        offline_mathjax.source_dir()


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


# --- a phone gets a chapter fast: lazy_explorers, defer_scripts, offline_mathjax ---------

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


@pytest.mark.parametrize("body, maths", [
    (r'<span class="math notranslate nohighlight">\(x^2\)</span>', True),
    (r"<div>\[ a \]</div>", True), ("<p>$$ x $$</p>", True),
    ("<p>It costs $5, or $6.</p>", False), ("<p>no maths</p>", False)])
def test_mathjax_only_where_the_page_has_maths(body, maths):
    assert offline_mathjax.has_maths(body, None) is maths


def test_mathjax_leaves_typesetting_to_the_page_keeping_other_settings():
    config = types.SimpleNamespace(mathjax3_config={"tex": {"tags": "ams"}})
    offline_mathjax.set_path(None, config)
    assert config.mathjax3_config == {"tex": {"tags": "ams"}, "startup": {"typeset": False}}
    assert config.mathjax_path == "mathjax/tex-mml-chtml.js"


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

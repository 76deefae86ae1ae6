"""The built website (make book), read as HTML: every chapter page is there with its
figures (with alt text), maths, citations and exercises, and nothing is left dangling."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser

import pytest

from tools.book import ROOT, chapter_paths
from tools.book import chapters as toc_chapters
from tools.book import read_notebook as load

PAGES = [f"chapters/{p.stem}.html" for p in chapter_paths()]


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.links, self.classes = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.imgs.append(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        self.classes.extend((attrs.get("class") or "").split())


def parse(path):
    page = Page()
    text = path.read_text(encoding="utf-8")
    page.feed(text)
    return page, text


def test_index_lists_every_chapter(site):
    _, text = parse(site / "intro.html")
    for page in PAGES:
        assert page in text, f"the front page does not link {page}"


@pytest.mark.parametrize("page", PAGES)
def test_chapter_page_has_figures_with_alt_text(site, page):
    parsed, _ = parse(site / page)
    figures = [i for i in parsed.imgs if i.get("src", "").endswith(".png")
               or i.get("src", "").startswith("data:image/png")]
    assert len(figures) >= 3, f"{page}: only {len(figures)} figures"
    missing = [i.get("src") for i in figures if not (i.get("alt") or "").strip()]
    assert not missing, f"{page}: figures without alt text: {missing}"
    for img in figures:
        src = img["src"]
        if not src.startswith("data:"):
            assert (site / page).parent.joinpath(src).resolve().exists(), f"{page}: {src} missing"


@pytest.mark.parametrize("page", PAGES)
def test_chapter_page_has_maths_citations_and_exercises(site, page):
    parsed, text = parse(site / page)
    assert "<math" in text, f"{page}: no maths (MathML)"
    cites = [link for link in parsed.links if "bibliography.html#id" in link]
    assert cites, f"{page}: no citation links into the bibliography"
    assert "exercise" in parsed.classes, f"{page}: no exercise admonition"
    assert "solution" in parsed.classes and "dropdown" in parsed.classes, (
        f"{page}: no folded solution"
    )
    for cls in ("traceback", "stderr"):
        assert cls not in parsed.classes, f"{page}: a cell's {cls} output is shown on the page"


def test_bibliography_lists_the_cited_works(site):
    _, text = parse(site / "bibliography.html")
    assert "Glorot" in text and "Understanding the difficulty" in text


# ------------------------------ exercises on the site (tools/sphinx_ext/quiet_exercises.py)
# A check cell's stored output is the student's feedback ("Correct: ...", sometimes the answer):
# the site shows none of it, nor nbgrader's marker comments or hidden tests, and still shows
# the reference answers (collapsed). The notebooks on disk keep all of it (nbval compares it).
NBGRADER_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
TOC_CHAPTERS = toc_chapters(ROOT)


class Cells(HTMLParser):
    """The code cells of a myst-nb page (div.cell), in order: the text of each cell's
    input and whether the cell has an output area (div.cell_output)."""

    def __init__(self):
        super().__init__()
        self.depth, self.cells, self.current = 0, [], None

    def handle_starttag(self, tag, attrs):
        if tag != "div":
            return
        self.depth += 1
        classes = (dict(attrs).get("class") or "").split()
        if "cell" in classes and self.current is None:
            self.current = {"depth": self.depth, "input": "", "output": False}
        elif self.current is not None and "cell_output" in classes:
            self.current["output"] = True

    def handle_endtag(self, tag):
        if tag != "div":
            return
        if self.current is not None and self.depth == self.current["depth"]:
            self.cells.append(self.current)
            self.current = None
        self.depth -= 1

    def handle_data(self, data):
        if self.current is not None and not self.current["output"]:
            self.current["input"] += data


def _lines(text):
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _hidden_tests(source):
    """The lines of a cell's hidden-test blocks, marker lines excluded."""
    out, inside = [], False
    for line in source.splitlines():
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside:
            out += _lines(line)
    return out


@pytest.mark.parametrize("notebook", TOC_CHAPTERS, ids=lambda p: p.stem)
def test_exercises_on_the_site_do_not_answer_themselves(site, notebook):
    page = f"chapters/{notebook.stem}.html"
    _, text = parse(site / page)
    assert "Correct:" not in text, f"{page}: a check's feedback is shown before the reader tried"
    for marker in NBGRADER_MARKERS:
        assert marker not in text, f"{page}: nbgrader's marker {marker!r} is shown"

    rendered = Cells()
    rendered.feed(text)
    code = [c for c in load(notebook)["cells"] if c["cell_type"] == "code"
            and "remove-cell" not in c["metadata"].get("tags", [])]
    assert len(rendered.cells) == len(code), (
        f"{page}: {len(rendered.cells)} code cells on the page, {len(code)} in the notebook")
    checked = answered = 0
    for i, (cell, html) in enumerate(zip(code, rendered.cells)):
        meta, source = cell["metadata"].get("nbgrader", {}), cell.source
        shown = _lines(html["input"])
        where = f"{page}, code cell {i} ({meta.get('grade_id')})"
        if meta.get("grade"):
            checked += 1
            assert not html["output"], f"{where}: a check cell shows its output"
            call = re.search(r"^checks\.\w+\(.*$", source, re.M)
            assert call and " ".join(call.group(0).split()) in shown, (
                f"{where}: the check cell's call to lib.checks is missing")
            leaked = [line for line in _hidden_tests(source) if line in shown]
            assert not leaked, f"{where}: hidden tests shown: {leaked}"
        if meta.get("solution"):
            answered += 1
            wanted = [line for line in _lines(source)
                      if not any(m in line for m in NBGRADER_MARKERS)]
            missing = [line for line in wanted if line not in shown]
            assert wanted and not missing, f"{where}: answer lines missing: {missing}"
            for name in re.findall(r"^def (\w+)\(", source, re.M):
                assert f"def {name}(" in html["input"], f"{where}: no def {name}"
    assert checked and answered, f"{page}: no check or answer cell found"


# ------------------------- a phone gets the page fast (tools/sphinx_ext/lazy_explorers.py,
# mathml.py): an explorer's page carries its first frame only, the others are a file of
# the site; the maths is MathML, which no script has to typeset
EXPLORER = re.compile(r'<div id="(explorer-[^"]+)" class="lib-explorer".*?'
                      r'<script type="application/json" class="lib-explorer-data">([^<]*)'
                      r"</script>", re.S)
FRAMES = re.compile(r'libExplorerFrames\("([0-9a-f]+)",(\[.*\])\);\s*$', re.S)


@pytest.mark.parametrize("page", PAGES)
def test_explorers_carry_one_frame_and_fetch_the_others_from_the_site(site, page):
    text = (site / page).read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r'<div id="explorer-', text)] + [len(text)]
    for (match, end) in zip(EXPLORER.finditer(text), starts[1:]):
        uid, data = match.group(1), json.loads(match.group(2))
        block = text[match.start():end]
        assert block.count("data:image/png") == 1 and "frames" not in data, (
            f"{page} #{uid}: the page carries more than the explorer's first frame")
        file = (site / page).parent / data["src"]
        assert file.resolve().is_relative_to(site.resolve()) and file.exists(), (
            f"{page} #{uid}: its frames' file {data['src']} is not in the site")
        key, frames = FRAMES.match(file.read_text(encoding="ascii")).groups()
        assert key == data["key"]
        assert len(json.loads(frames)) == math.prod(data["sizes"]) - 1 == len(data["alts"]) - 1


#: TeX's maths delimiters, as MathJax would look for them in a page
TEX = re.compile(r"\\\(|\\\[|\$\$|\\begin\{")
#: MathJax's script, its configuration, or a loader of it (the "mathjax_ignore" class
#: myst-parser gives a page's sections is no more than a class)
MATHJAX = re.compile(r"mathjax[\w./-]*\.js|MathJax\s*=|MathJax\.", re.I)
#: what a page shows as code or carries as data (TeX may stand there as written)
NOT_PROSE = re.compile(r"<(pre|code|script|style|math)\b.*?</\1>", re.S)


def test_every_formula_is_mathml_and_no_page_needs_mathjax(site):
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)
    formulas = {}
    for path in pages:
        text = path.read_text(encoding="utf-8")
        page = path.relative_to(site).as_posix()
        assert not MATHJAX.search(text), f"{page} still loads or configures MathJax"
        prose = NOT_PROSE.sub("", text)
        raw = [prose[max(m.start() - 40, 0):m.end() + 40] for m in TEX.finditer(prose)]
        assert not raw, f"{page}: raw TeX outside code and maths:\n  " + "\n  ".join(raw)
        # every formula: inline a bare <math>, display one <math display="block"> per part
        # in Sphinx's div.math (with its equation number, where it has one)
        blocks = re.findall(r'<div class="math"[^>]*>(.*?)</div>', text, re.S)
        odd = [b[:120] for b in blocks if not re.fullmatch(
            r'\s*(<span class="eqno">.*?</span>)?(\s*<math display="block">.*?</math>)+\s*',
            b, re.S)]
        assert not odd, f"{page}: display maths that is not MathML:\n  " + "\n  ".join(odd)
        assert 'class="math notranslate' not in text, f"{page}: a formula left to MathJax"
        formulas[page] = text.count("<math")
    for page in [*PAGES, "instructors.html"]:
        assert formulas[page] >= 10, f"{page}: {formulas[page]} formulas (MathML)"
    assert not (site / "_static" / "mathjax").exists(), "MathJax is still copied to the site"

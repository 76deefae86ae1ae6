"""The built website (make book), read as HTML: every chapter page is there with its
figures (with alt text), maths, citations and exercises, and nothing is left dangling."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from conftest import chapter_paths

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
    assert "math notranslate" in text, f"{page}: no rendered maths"
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

"""The built website's accessibility (marker `browser`): axe-core's audit of every page,
and the book used with the keyboard alone.

axe-core (the pinned axe-playwright-python, in Debian's Chromium as every browser test)
runs its default rules (WCAG 2.x A and AA, best practices) and the experimental
``label-content-name-mismatch`` on every HTML page of _build/html, each page loaded once;
a serious or critical violation fails, unless its rule is in :data:`ALLOWED` with its
reason. The book's own fixes are in _static/book.css; the theme's and extensions'
markup is repaired at build time by tools/sphinx_ext/accessible_theme.py.

A chapter's code cells and maths are thousands of elements (Pygments' and MathML's)
that make axe's layout rules cost 25 s of CPU a chapter; their colours and markup are
the same on every page, so chapters are audited without them and instructors.html,
which has both, with them.
"""

from __future__ import annotations

import contextlib

import pytest

from tools import browser
from tools.book import SITE, chapter_paths

pytestmark = pytest.mark.browser

#: every page of the site, derived from the build (search, genindex, ... included)
PAGES = sorted(str(p.relative_to(SITE)) for p in SITE.rglob("*.html")
               if not p.relative_to(SITE).parts[0].startswith("_"))
CHAPTERS = [f"chapters/{p.stem}.html" for p in chapter_paths()]
#: where code cells' and maths' colours and markup are audited (see the module's text)
FULL_PAGE = "instructors.html"
LEAN = {"exclude": [["div.cell_input"], ["math"]]}
FAILING = {"serious", "critical"}
#: rule id -> why it is allowed: only rules the theme makes that no small change fixes
ALLOWED: dict[str, str] = {}
OPTIONS = {"resultTypes": ["violations"],
           "rules": {"label-content-name-mismatch": {"enabled": True}}}
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def loaded(chromium, site_url):
    """``loaded(path)``: the page, loaded once for the module; closed at the end."""
    pages = {}

    def get(path):
        if path not in pages:
            pages[path] = browser.open_page(chromium, site_url, path, TIMEOUT_MS)[0]
        return pages[path]

    yield get
    for page in pages.values():
        page.close()


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def test_every_page_is_audited(site):
    assert "intro.html" in PAGES and set(CHAPTERS) <= set(PAGES), PAGES


def describe(violation):
    nodes = "\n      ".join(f"{', '.join(map(str, n['target']))}: {n['html'][:120]}"
                            for n in violation["nodes"][:5])
    return (f"  {violation['id']} ({violation['impact']}, {len(violation['nodes'])} "
            f"elements): {violation['help']}\n      {nodes}")


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_accessibility_violation(loaded, axe, path):
    page = loaded(path)
    if path == FULL_PAGE:
        assert page.locator("div.highlight pre span").count() > 10, (
            f"{path} has no highlighted code: audit code colours on another page")
        assert page.locator("math").count() > 0, (
            f"{path} has no maths: audit the MathML on another page")
    context = LEAN if path in CHAPTERS else None
    found = axe.run(page, context=context, options=OPTIONS).response["violations"]
    failing = [v for v in found if v["impact"] in FAILING and v["id"] not in ALLOWED]
    assert not failing, (f"{path}: axe-core finds serious or critical violations:\n"
                         + "\n".join(map(describe, failing)))


# --- the keyboard alone -----------------------------------------------------------------

FOCUSED = """() => { const el = document.activeElement, style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className.toString(),
          param: el.getAttribute("data-param"), type: el.type || "",
          href: el.getAttribute("href"), text: el.textContent.trim().slice(0, 60),
          inSidebarNav: !!el.closest("nav.bd-docs-nav"),
          inExplorer: !!el.closest(".lib-explorer"),
          focusVisible: el.matches(":focus-visible"),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
          shadow: style.boxShadow !== "none"}; }"""


def tab_until(page, wanted, limit=400):
    """Press Tab until the focused element satisfies ``wanted``; every element reached on
    the way must show its focus. Returns (element, presses)."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                  "window.scrollTo(0, 0); }")
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        el = page.evaluate(FOCUSED)
        if el["tag"] != "body":
            assert el["focusVisible"] and (el["outline"] or el["shadow"]), (
                f"{page.url}: Tab {presses} focuses {el}, which shows no focus ring")
        if wanted(el):
            return el, presses
    pytest.fail(f"{page.url}: {limit} presses of Tab never reach the element wanted")


def explorer_alt(page, el):
    return page.evaluate("""id => document.getElementById(id).closest(".lib-explorer")
                            .querySelector("img").getAttribute("alt")""", el["id"])


def test_keyboard_reaches_an_explorer_and_moves_its_frame(loaded):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = loaded(CHAPTERS[0])
    el, _ = tab_until(page, lambda e: e["inExplorer"] and e["param"] is not None)
    before = explorer_alt(page, el)
    page.keyboard.press("ArrowRight" if el["type"] == "range" else "ArrowDown")
    # the control moves at once; the image follows when the explorer's frames, fetched
    # when it nears the screen or is focused (lazy_explorers), have arrived: wait (up
    # to 10 s) for the image to change, then read it
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            """([id, before]) => document.getElementById(id).closest(".lib-explorer")
                   .querySelector("img").getAttribute("alt") !== before""",
            arg=[el["id"], before], timeout=10_000)
    after = explorer_alt(page, el)
    assert after != before, (
        f"{CHAPTERS[0]}: an arrow key on the explorer's first control ({el['id']}) left "
        f"its image at {before!r}")


# The two tests below leave their page (audited above, loaded once) for another one.

def test_keyboard_opens_the_search_and_finds_a_page(loaded):
    page = loaded("intro.html")
    tab_until(page, lambda e: "search-button__button" in e["cls"])
    page.keyboard.press("Enter")
    page.locator("#pst-search-dialog input[type=search]").wait_for(state="visible")
    assert page.evaluate("() => document.activeElement.type") == "search", (
        "Enter on the search button does not put the focus in the search field")
    page.keyboard.type("dropout")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search.html?q=dropout*")
    results = page.locator("#search-results li")
    results.first.wait_for()
    assert results.count() > 0, "the search for 'dropout' found no page"


def test_keyboard_follows_the_navigation(loaded, site_url):
    page = loaded("search.html")
    el, _ = tab_until(page, lambda e: e["inSidebarNav"] and e["tag"] == "a"
                      and (e["href"] or "").startswith("chapters/"))
    page.keyboard.press("Enter")
    page.wait_for_url(site_url + el["href"].split("#")[0] + "*")

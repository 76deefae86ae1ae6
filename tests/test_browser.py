"""The built website in a real browser (Chromium, driven by Playwright; marker `browser`).

Every page loads with no console error and no request to anything but the local server
(the book reads offline); the chapters' maths, MathML written at build time
(tools/sphinx_ext/mathml.py), is drawn by the browser itself, with no script and no request
for one; a playground shows its note and no empty widget
box; and every explorer of every chapter answers the keyboard and the mouse with the
right frame, alt text and frame number, from its own data, with labelled, focusable
controls. Skipped with a message where Chromium or Playwright is missing, failed in CI.
"""

from __future__ import annotations

import json
import math
import re
import urllib.parse

import pytest

from tools import browser
from tools.book import chapter_paths
from tools.book import read_notebook as load

CHAPTERS = {f"chapters/{p.stem}.html": p for p in chapter_paths()}
PAGES = ["index.html", *CHAPTERS, "bibliography.html"]
# a guard against a hang, not a speed check (make bench measures speed): under
# `make test` the browser shares two cores with nbval, and a 15 s limit once ran out
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.browser


def open_page(chromium, base, path):
    """``path`` loaded in a fresh page (tools.browser.open_page)."""
    return browser.open_page(chromium, base, path, TIMEOUT_MS)


@pytest.fixture(scope="module")
def loaded(chromium, site_url):
    """``loaded(path)``: the page and its Watch, loaded once for the module: the
    read-only tests first, then the explorer test, which moves every explorer of the
    page through all its frames and back to its first; closed at the end."""
    pages = {}

    def get(path):
        if path not in pages:
            pages[path] = open_page(chromium, site_url, path)
        return pages[path]

    yield get
    for page, _ in pages.values():
        page.close()


def describe(urls, limit=20):
    shown = "\n  ".join(urls[:limit])
    more = f"\n  ... and {len(urls) - limit} more" if len(urls) > limit else ""
    return shown + more


@pytest.mark.parametrize("path", PAGES)
def test_page_works_offline_with_no_console_error(loaded, site_url, path):
    page, watch = loaded(path)
    assert page.url.startswith(site_url), f"{path} left the site: {page.url}"
    assert not watch.not_local(), (
        f"{path} asked for something other than the local site (the book must read "
        f"offline):\n  {describe(watch.not_local())}")
    assert not watch.errors, f"{path} logged console errors:\n  {describe(watch.errors)}"
    # the theme's scripts, added after the first paint (defer_scripts.py), have all run
    assert page.evaluate("""() => typeof bootstrap === "object" && typeof Search === "object"
        && document.addEventListener === EventTarget.prototype.addEventListener"""), (
        f"{path}: the theme's scripts did not all run (or left the page's listeners patched)")
    # every icon shows a glyph of the webfonts cut to the site's icons (lean_theme.py)
    blank = page.evaluate("""() => Array.from(document.querySelectorAll('[class*="fa-"]'))
        .filter(el => /(^| )fa-(?!solid|regular|brands|lg|fw)/.test(el.className)
                      && getComputedStyle(el, "::before").content === "none")
        .map(el => el.outerHTML.slice(0, 120))""")
    assert not blank, f"{path}: icons with no glyph:\n  {describe(blank)}"
    assert page.evaluate("""() => Array.from(document.fonts).some(face =>
        face.family.includes("Font Awesome") && face.status === "loaded")"""), (
        f"{path}: no Font Awesome webfont loaded")


def test_a_dark_system_gets_a_dark_first_paint(chromium):
    """The theme's scripts run after the first paint (defer_scripts.py): the page's head
    resolves the theme's "auto" itself. A page of the theme's head and that script."""
    from tools.sphinx_ext.defer_scripts import after_paint

    head = ('<html><head><script>document.documentElement.dataset.theme = '
            'localStorage.getItem("theme") || "auto";</script>'
            '<script defer src="theme.js"></script></head><body><p>text</p></body></html>')
    page = chromium.new_page(color_scheme="dark")
    try:
        page.route("**/*", lambda route: route.fulfill(body=after_paint(head),
                                                        content_type="text/html")
                   if route.request.url.endswith("/page.html") else route.abort())
        page.goto("http://book.test/page.html", wait_until="commit")
        page.wait_for_selector("p")
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    finally:
        page.close()


def notebook_outputs(notebook):
    """(mime bundle of every output shown on the site) of a chapter notebook."""
    hidden = {"remove-output", "remove-cell"}
    for cell in load(notebook)["cells"]:
        if cell["cell_type"] != "code" or hidden & set(cell["metadata"].get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            yield output.get("data", {})


def html_of(bundle):
    text = bundle.get("text/html", "")
    return "".join(text) if isinstance(text, list) else text


# an element's text as rendered holds more than 40 characters, within 200 animation frames
RENDERED_TEXT = """async el => {
  for (let i = 0; i < 200; i++) {
    if (el.innerText.trim().length > 40) { return true; }
    await new Promise(done => requestAnimationFrame(done));
  }
  return false;
}"""


# every <math> of the page as Chromium lays it out: MathML's own display type (a browser
# without MathML would lay it out as text) and, where it is shown (not in a folded
# solution), a box
MATHS = """() => Array.from(document.querySelectorAll("math"), m => {
  const box = m.getBoundingClientRect(), display = getComputedStyle(m).display;
  return {display, block: m.getAttribute("display") === "block",
          drawn: !m.checkVisibility() || (box.width > 0 && box.height > 0),
          html: m.outerHTML.slice(0, 120)};
})"""


@pytest.mark.parametrize("path", list(CHAPTERS))
def test_chapter_maths_is_drawn_as_mathml_and_no_widget_box_is_empty(loaded, path):
    page, watch = loaded(path)
    maths = page.evaluate(MATHS)
    assert len(maths) >= 10, f"{path}: {len(maths)} formulas"
    wrong = [m for m in maths if m["display"] != ("block math" if m["block"] else "math")
             or not m["drawn"]]
    assert not wrong, (f"{path}: formulas not laid out as MathML:\n  "
                       + describe([f"{m['display']}: {m['html']}" for m in wrong]))
    scripts = [u for u in watch.requests if "mathjax" in u.lower()]
    assert not scripts, f"{path} asks for MathJax:\n  {describe(scripts)}"
    # drawn with the site's math font (tools/sphinx_ext/math_font.py), not a system's
    assert page.evaluate("""() => document.fonts.ready.then(() => Array.from(document.fonts)
        .some(face => face.family.includes("Book Math") && face.status === "loaded"))"""), (
        f"{path}: the math font (_static/math.woff) did not load")

    # a playground's stored output is its note (the widget view is not stored)
    playgrounds = sum("book-playground-note" in "".join(bundle.get("text/html", ""))
                      for bundle in notebook_outputs(CHAPTERS[path]))
    notes = page.locator(".book-playground-note")
    assert notes.count() == playgrounds, (
        f"{path}: {playgrounds} playground(s) in the notebook, {notes.count()} note(s) on "
        "the page (each playground shows its note on the website)")
    for k in range(playgrounds):
        note = notes.nth(k)
        note.scroll_into_view_if_needed()
        assert note.is_visible(), f"{path}: playground note {k} is not visible"
        # its text as rendered (within a few frames of scrolling to it)
        assert note.element_handle().evaluate(RENDERED_TEXT), (
            f"{path}: playground note {k} is empty")

    widgets = page.locator(".jupyter-widgets, .widget-area, .jp-OutputArea, "
                           'script[type^="application/vnd.jupyter.widget"]')
    assert widgets.count() == 0, f"{path}: ipywidgets markup on the page (a dead widget)"
    empty = page.evaluate("""() => Array.from(document.querySelectorAll("div.cell_output"))
        .filter(out => out.checkVisibility())
        .filter(out => out.getBoundingClientRect().height < 8
                || !(out.textContent.trim() || out.querySelector("img, svg, canvas")))
        .map(out => out.outerHTML.slice(0, 200))""")
    assert not empty, f"{path}: empty output boxes:\n  " + "\n  ".join(empty)


# --- explorers ---------------------------------------------------------------------------

CONTROLS = """root => Array.from(root.querySelectorAll("[data-param]"), el => ({
    param: Number(el.getAttribute("data-param")), id: el.id, tag: el.tagName.toLowerCase(),
    type: el.type, disabled: el.disabled, tabIndex: el.tabIndex,
    label: el.labels && el.labels.length ? el.labels[0].textContent.trim() : ""}))"""

# the page's explorer data: sizes, labels, alt texts; the frames are the notebook's
DATA = """root => JSON.parse(root.querySelector("script.lib-explorer-data").textContent)"""
# on the site an explorer's frames after the first load once it is reached or touched
# (tools/sphinx_ext/lazy_explorers.py); a swap is checked once they are in
LOADED = """uid => document.getElementById(uid).getAttribute("data-frames") == "loaded" """

SHOWN = """async root => {
  const imgs = root.querySelectorAll("img"), img = imgs[0];
  await img.decode();
  const box = img.getBoundingClientRect();
  return {imgs: imgs.length, src: img.getAttribute("src"), alt: img.getAttribute("alt"),
          frame: img.getAttribute("data-frame"), natural: img.naturalWidth,
          visible: img.checkVisibility() && box.width > 0 && box.height > 0,
          outputs: Object.fromEntries(Array.from(root.querySelectorAll("output[data-output]"),
                                      o => [o.getAttribute("data-output"), o.textContent])),
          valuetexts: Object.fromEntries(Array.from(root.querySelectorAll("[data-param]"),
                      el => [el.getAttribute("data-param"),
                             el.getAttribute("aria-valuetext")]))};
}"""

ROLES = {"range": "slider", "select-one": "combobox"}


def row_major(sizes, positions):
    index = 0
    for size, i in zip(sizes, positions, strict=True):
        index = index * size + i
    return index


class ExplorerUnderTest:
    """One explorer on the page: its data (from its own JSON) and a check of what it
    shows against the positions its controls were moved to."""

    def __init__(self, page, path, uid, frames):
        self.page, self.path, self.uid = page, path, uid
        self.root = page.locator(f"#{uid}")
        handle = self.root.element_handle()
        self.data = dict(handle.evaluate(DATA), frames=frames)
        self.controls = sorted(handle.evaluate(CONTROLS), key=lambda c: c["param"])
        self.positions = [0] * len(self.controls)

    def where(self):
        return f"{self.path} #{self.uid} at positions {self.positions}"

    def check_structure(self):
        sizes, labels = self.data["sizes"], self.data["labels"]
        assert [c["param"] for c in self.controls] == list(range(len(sizes))), (
            f"{self.where()}: one control per parameter, numbered 0..{len(sizes) - 1}")
        assert [len(v) for v in labels] == sizes
        assert len(self.data["frames"]) == len(self.data["alts"]) == math.prod(sizes), (
            f"{self.where()}: the JSON must hold every frame of the grid")
        for c in self.controls:
            name = f"{self.path} #{c['id']}"
            assert c["type"] in ROLES, f"{name}: a control is a range or a select"
            assert not c["disabled"], f"{name}: the explorer's script did not enable it"
            assert c["tabIndex"] >= 0, f"{name}: not reachable with the keyboard"
            assert c["label"], f"{name}: no <label>"
            by_role = self.root.get_by_role(ROLES[c["type"]], name=c["label"], exact=True)
            assert by_role.count() == 1 and by_role.get_attribute("id") == c["id"], (
                f"{name}: its accessible name is not its label {c['label']!r}")

    def check_tab_order(self):
        """Tab moves from each control to the next: all are keyboard-focusable."""
        first = self.controls[0]["id"]
        self.page.locator(f"#{first}").focus()
        for c in self.controls:
            active = self.page.evaluate("() => document.activeElement.id")
            assert active == c["id"], (
                f"{self.path}: Tab reached {active!r}, expected control {c['id']!r}")
            if c is not self.controls[-1]:
                self.page.keyboard.press("Tab")

    def check_shown(self):
        index = row_major(self.data["sizes"], self.positions)
        shown = self.root.element_handle().evaluate(SHOWN)
        assert shown["imgs"] == 1, f"{self.where()}: {shown['imgs']} images, expected 1"
        assert shown["visible"] and shown["natural"] > 0, f"{self.where()}: image not shown"
        assert shown["frame"] == str(index), (
            f"{self.where()}: data-frame {shown['frame']}, expected {index}")
        if shown["src"] != self.data["frames"][index]:
            frames = self.data["frames"]
            got = frames.index(shown["src"]) if shown["src"] in frames else "none"
            pytest.fail(f"{self.where()}: the image shows frame {got}, expected {index}")
        assert shown["alt"] == self.data["alts"][index], (
            f"{self.where()}: alt {shown['alt']!r}, expected {self.data['alts'][index]!r}")
        for c, i in zip(self.controls, self.positions, strict=True):
            value = self.data["labels"][c["param"]][i]
            assert f"{c['label']} = {value}" in shown["alt"], (
                f"{self.where()}: alt text {shown['alt']!r} does not name "
                f"{c['label']} = {value}")
            if c["type"] == "range":
                key = str(c["param"])
                assert shown["outputs"].get(key) == value, (
                    f"{self.where()}: the slider's readout shows {shown['outputs'].get(key)!r}")
                assert shown["valuetexts"].get(key) == value, (
                    f"{self.where()}: aria-valuetext {shown['valuetexts'].get(key)!r}")

    def move(self, k, target):
        """Move control k to position target: a slider with the arrow keys (as a
        keyboard user does), a drop-down list with select_option; check every step."""
        c = self.controls[k]
        control = self.page.locator(f"#{c['id']}")
        if c["type"] == "range":
            control.focus()
            while self.positions[k] != target:
                step = 1 if target > self.positions[k] else -1
                self.page.keyboard.press("ArrowRight" if step > 0 else "ArrowLeft")
                self.positions[k] += step
                self.check_shown()
        else:
            step = 1 if target > self.positions[k] else -1
            for i in range(self.positions[k] + step, target + step, step):
                control.select_option(str(i))
                self.positions[k] = i
                self.check_shown()

    def push_past_the_end(self, k):
        """A slider at its last value stays there on ArrowRight."""
        c = self.controls[k]
        if c["type"] == "range":
            self.page.locator(f"#{c['id']}").focus()
            self.page.keyboard.press("ArrowRight")
            self.check_shown()


def explorer_frames(notebook):
    """{explorer id: its frames (data URIs)} as the notebook's outputs store them."""
    found = {}
    for bundle in notebook_outputs(notebook):
        text = html_of(bundle)
        uid = re.search(r'<div id="(explorer-[^"]+)" class="lib-explorer"', text)
        data = re.search(r'class="lib-explorer-data">([^<]*)</script>', text)
        if uid and data:
            found[uid.group(1)] = json.loads(data.group(1))["frames"]
    return found


@pytest.mark.parametrize("path", list(CHAPTERS))
def test_every_explorer_shows_the_frame_of_its_controls(loaded, path):
    """On the module's page of the chapter (loaded once; the tests above only read it
    and scroll): the page's Watch has seen everything since the load."""
    frames = explorer_frames(CHAPTERS[path])
    expected = len(frames)
    page, watch = loaded(path)
    # every code block has its copy button (written into the page, static_copybuttons)
    # once, after the theme's scripts ran
    blocks, buttons, lone = page.evaluate("""() => {
      const pres = [...document.querySelectorAll("div.highlight pre")];
      return [pres.length, document.querySelectorAll("button.copybtn").length,
              pres.filter(p => !(p.nextElementSibling || {matches: () => false})
                                  .matches("button.copybtn")).length]; }""")
    assert blocks and buttons == blocks and not lone, (
        f"{path}: {blocks} code blocks, {buttons} copy buttons, {lone} without one")
    uids = page.eval_on_selector_all('div[id^="explorer-"]', "els => els.map(e => e.id)")
    assert len(uids) == expected, (
        f"{path}: {expected} explorer(s) in the notebook's outputs, {len(uids)} on the "
        "page")
    assert len(set(uids)) == len(uids), f"{path}: two explorers share an id: {uids}"
    if page.locator(".book-playground-note").count():
        assert uids, (f"{path} has a playground: its ideas must also be an explorer, "
                      "for the website's readers (CONTRIBUTING.md, Explorers)")
    if not uids:
        pytest.skip(f"{path} has no explorer")
    # the line for untrusted notebooks ("Run this cell, or trust the notebook...")
    # is gone: the explorers' scripts ran
    assert page.locator(".lib-explorer-hint").count() == 0, (
        f"{path}: an explorer still shows its line for untrusted notebooks")
    for uid in uids:
        ex = ExplorerUnderTest(page, path, uid, frames[uid])
        ex.root.scroll_into_view_if_needed()
        page.wait_for_function(LOADED, arg=uid)
        ex.check_structure()
        ex.check_tab_order()
        ex.check_shown()
        # every value of every control, up and then back down, so each control also
        # moves while the others are away from their first value
        for k, size in enumerate(ex.data["sizes"]):
            ex.move(k, size - 1)
            ex.push_past_the_end(k)
        for k in range(len(ex.controls)):
            ex.move(k, 0)
    assert not watch.errors, f"{path}: console errors:\n  {describe(watch.errors)}"
    assert not watch.not_local(), f"{path}: requests:\n  {describe(watch.not_local())}"


def test_every_chapter_page_is_tested(site):
    built = {f"chapters/{p.name}" for p in (site / "chapters").glob("*.html")}
    assert built == set(CHAPTERS), (
        f"chapter pages and chapter notebooks differ: {sorted(built ^ set(CHAPTERS))}")


def test_an_explorer_fetches_its_frames_when_first_touched(chromium, site_url):
    """Far below the first screen an explorer has asked for nothing; a control's change
    fetches its frames from the site, then the image shows that control's frame. (A
    fresh page: the module's page of this chapter has had its explorers moved.)"""
    path = "chapters/02_convolution.html"
    page, watch = open_page(chromium, site_url, path)
    try:
        uid = page.eval_on_selector_all('div[id^="explorer-"]', "els => els.map(e => e.id)")[-1]
        ex = ExplorerUnderTest(page, path, uid, explorer_frames(CHAPTERS[path])[uid])
        frames_url = urllib.parse.urljoin(site_url + path, ex.data["src"])
        assert ex.root.get_attribute("data-frames") is None and not any(
            "/_explorer/" in url for url in watch.requests), (
            f"{path}: frames were fetched before any explorer was reached")
        ex.root.element_handle().evaluate("""root => {
            const el = root.querySelector('[data-param="0"]');
            el.value = "1";
            el.dispatchEvent(new Event(el.tagName === "SELECT" ? "change" : "input"));
        }""")
        page.wait_for_function(LOADED, arg=uid)
        ex.positions[0] = 1
        ex.check_shown()
        assert watch.requests.count(frames_url) == 1, (
            f"{path} #{uid}: expected one request of {frames_url}, saw "
            f"{[u for u in watch.requests if '/_explorer/' in u]}")
        assert not watch.errors and not watch.not_local()
    finally:
        page.close()

"""Serve MathJax from the built site itself, so the book reads with no network.

Sphinx loads MathJax 3 from a CDN by default; a reader offline (or a browser test that
blocks the network) then sees raw LaTeX. This extension points ``mathjax_path`` at
``_static/mathjax/tex-mml-chtml.js`` and copies MathJax 3.2.2 there from the pinned
PyPI package django-static-mathjax (which ships MathJax's es5 bundle and needs no
Django). Only the combined TeX+MathML component and the folders it loads on demand
(fonts, TeX extensions, accessibility, menu) are copied.

Two things keep it off a phone's critical path (CONTRIBUTING.md, "Performance budgets"):
- only pages with maths load it. Sphinx loads MathJax on a page whose toctree includes a
  page with maths, i.e. on the intro; a page's own maths (Sphinx's math nodes, or TeX
  delimiters in a notebook's output, which MathJax also typesets) decides here.
- MathJax (1.17 MB, 0.27 MB compressed, and seconds of a phone's CPU to start) is
  fetched when the page's first maths comes within a screen of the viewport, by a small
  inline script in its place (:data:`LOADER`), not while the page loads, and not before
  the page's first contentful paint (defer_scripts.WHEN_PAINTED): a chapter
  whose first screen is prose shows it without waiting for MathJax. Then it typesets
  the maths near the viewport, batch by batch as the reader scrolls, not all of a
  chapter's hundred expressions in one long task.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re
import shutil

from docutils import nodes
from sphinx.builders.html._assets import _JavaScript
from sphinx.errors import ExtensionError
from sphinx.util import logging

from tools.sphinx_ext.defer_scripts import WHEN_PAINTED

COMPONENT = "tex-mml-chtml.js"
FOLDERS = ("a11y", "adaptors", "input", "output", "sre", "ui")
logger = logging.getLogger(__name__)


def source_dir() -> pathlib.Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionError(
            "offline_mathjax: MathJax is not installed: `pip install -r requirements.txt` "
            "installs it (package django-static-mathjax)"
        )
    es5 = pathlib.Path(next(iter(spec.submodule_search_locations))) / "static/mathjax/es5"
    if not (es5 / COMPONENT).exists():
        raise ExtensionError(f"offline_mathjax: {es5 / COMPONENT} is missing: "
                             "reinstall django-static-mathjax")
    return es5


#: TeX as MathJax finds it in a page's HTML: \\( \\[ (Sphinx's inline and display maths),
#: $$ and \\begin{...} (amsmath, or a notebook output's LaTeX)
TEX = re.compile(r"\\\(|\\\[|\$\$|\\begin\{")


def set_path(app, config):
    config.mathjax_path = f"mathjax/{COMPONENT}"
    # LOADER typesets, as the reader goes; myst-parser adds its "options" here later
    mathjax = dict(config.mathjax3_config or {})
    mathjax["startup"] = {**mathjax.get("startup", {}), "typeset": False}
    config.mathjax3_config = mathjax


def has_maths(body: str, doctree) -> bool:
    """Whether the page itself shows maths: math nodes in its doctree, or TeX in its HTML."""
    if doctree is not None and next(iter(doctree.findall(
            lambda n: isinstance(n, (nodes.math, nodes.math_block)))), None) is not None:
        return True
    return bool(TEX.search(body or ""))


# Loads MathJax (SRC) once an element with maths is within a screen of the viewport, then
# typesets the maths near the viewport, batch by batch, as the reader reaches it; all of
# it at once where there is no IntersectionObserver or no .math element (TeX in an output).
LOADER = """(function () {
var requested = false, loaded = false, waiting = [], chain = Promise.resolve();
function typeset() {
  if (!loaded || !waiting.length) { return; }
  var batch = waiting;
  waiting = [];
  chain = chain.then(function () { return MathJax.typesetPromise(batch); });
}
function load(then) {
  if (requested) { typeset(); return; }
  requested = true;
  whenPainted(function () {
    var script = document.createElement("script");
    script.src = "SRC";
    script.onload = function () {
      MathJax.startup.promise.then(function () { loaded = true; then(); });
    };
    document.head.appendChild(script);
  });
}
WHEN_PAINTED
function watch() {
  var maths = document.querySelectorAll(".math");
  if (!maths.length || !("IntersectionObserver" in window)) {
    load(function () { chain = chain.then(function () { return MathJax.typesetPromise(); }); });
    return;
  }
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (e.isIntersecting) { seen.unobserve(e.target); waiting.push(e.target); }
    });
    if (waiting.length) { load(typeset); }
  }, {rootMargin: "100% 0px"});
  maths.forEach(function (el) { seen.observe(el); });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", watch);
} else { watch(); }
})();""".replace("WHEN_PAINTED", WHEN_PAINTED)


def place_mathjax(app, pagename, templatename, context, doctree):
    """A page without maths of its own: no MathJax and no configuration. A page with
    maths: :data:`LOADER` in place of MathJax's script element."""
    if app.builder.format != "html":
        return
    mathjax = f"_static/{app.config.mathjax_path}"  # as the builder names a static file
    keep = has_maths(context.get("body", ""), doctree)
    scripts = []
    for js in context.get("script_files", []):
        if js.filename in (mathjax, app.config.mathjax_path):
            if keep:
                src = context["pathto"](mathjax, 1)
                scripts.append(_JavaScript("", priority=js.priority,
                                           body=LOADER.replace("SRC", src)))
        elif keep or not (js.attributes.get("body") or "").startswith("window.MathJax ="):
            scripts.append(js)
    context["script_files"] = scripts


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    src = source_dir()
    dest = pathlib.Path(app.outdir) / "_static" / "mathjax"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / COMPONENT, dest / COMPONENT)
    for folder in FOLDERS:
        shutil.copytree(src / folder, dest / folder, dirs_exist_ok=True)
    logger.info("offline_mathjax: MathJax copied to %s", dest)


def setup(app):
    source_dir()  # fail early, with the install hint, if MathJax is missing
    app.connect("config-inited", set_path)
    # after sphinx.ext.mathjax has added MathJax to the page (priority 500)
    app.connect("html-page-context", place_mathjax, priority=800)
    app.connect("build-finished", copy_mathjax)
    # it reads no document, decides each page from that page's context alone, and
    # writes once, after every page (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

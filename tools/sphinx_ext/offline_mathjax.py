"""Serve MathJax from the built site itself, so the book reads with no network.

Sphinx loads MathJax 3 from a CDN by default; a reader offline (or a browser test that
blocks the network) then sees raw LaTeX. This extension points ``mathjax_path`` at
``_static/mathjax/tex-mml-chtml.js`` and copies MathJax 3.2.2 there from the pinned
PyPI package django-static-mathjax (which ships MathJax's es5 bundle and needs no
Django). Only the combined TeX+MathML component and the folders it loads on demand
(fonts, TeX extensions, accessibility, menu) are copied.
"""

from __future__ import annotations

import importlib.util
import pathlib
import shutil

from sphinx.errors import ExtensionError
from sphinx.util import logging

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


def set_path(app, config):
    config.mathjax_path = f"mathjax/{COMPONENT}"


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
    app.connect("build-finished", copy_mathjax)
    # it reads no document and writes once, after every page (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""The book's Sphinx extensions (tools/sphinx_ext/): each declares its version and that it
is safe for Sphinx's parallel read and write (every one works on one document or page at
a time, or once after the build), and a broken input is Sphinx's ExtensionError."""

from __future__ import annotations

import importlib
import pkgutil
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

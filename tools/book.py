"""Where the book's files are, and how the tooling reads them: notebooks with nbformat,
the table of contents with sphinx-external-toc (the parser Jupyter Book builds the site
with), so no tool, extension or test reads either format by hand.
"""

from __future__ import annotations

import os
import pathlib

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
#: the chapter template that `make chapter` copies (kept executed, held to the chapters'
#: rules by the structure tests and validated by nbval with them)
TEMPLATE = ROOT / "templates" / "chapter.ipynb"
SITE = ROOT / "_build" / "html"
#: the suffixes of the book's pages (Jupyter Book's source files)
PAGE_SUFFIXES = (".md", ".ipynb")
#: folders that hold no page of the book (the environment, the build, caches)
NOT_PAGES = {"_build", ".venv", ".git", ".pytest_cache", ".ipynb_checkpoints", "__pycache__"}


def chapter_paths() -> list[pathlib.Path]:
    """Every notebook in chapters/, by name, whether or not _toc.yml lists it (the
    structure tests hold each one to the rules; :func:`chapters` is the book's order)."""
    return sorted(CHAPTERS.glob("*.ipynb"))


def notebook_paths() -> list[pathlib.Path]:
    """The chapters and the chapter template: every notebook kept executed (`make
    execute`), with a Colab cell (`make colab-cell`), held to the chapters' rules."""
    return [*chapter_paths(), TEMPLATE]


def _path(value, name: str) -> pathlib.Path:
    if not isinstance(value, (str, pathlib.Path)):
        raise TypeError(f"{name} must be a path, got {type(value).__name__}")
    return pathlib.Path(value)


def read_notebook(path) -> nbformat.NotebookNode:
    """The notebook at ``path``, read by nbformat as version 4: every cell's ``source``
    is one string. Raises ValueError naming the file when it cannot be read or is not a
    notebook."""
    path = _path(path, "path")
    try:
        return nbformat.read(path, as_version=4)
    except OSError as exc:  # missing, a folder, unreadable
        raise ValueError(f"notebook {str(path)!r} cannot be read: "
                         f"{exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # not JSON, not UTF-8 (both ValueError), or JSON nbformat cannot take as a notebook
        raise ValueError(f"notebook {str(path)!r} is not a notebook nbformat can read: "
                         f"{type(exc).__name__}: {exc}") from None


def read_config(path=ROOT / "_config.yml") -> dict:
    """The book's ``_config.yml`` as a dict (empty for an empty file). Raises ValueError
    naming the file when it cannot be read or is not YAML."""
    import yaml

    path = _path(path, "path")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path} is not readable YAML: {exc}") from None


def _book_root(root) -> pathlib.Path:
    if not isinstance(root, (str, pathlib.Path)):
        raise TypeError(f"root must be a folder's path, got {type(root).__name__}")
    root = pathlib.Path(root)
    try:
        found = (root / "_toc.yml").is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL
        found = False
    if not found:
        raise ValueError(f"root must be the book's folder (with a _toc.yml), got {str(root)!r}")
    return root


def read_toc(root=ROOT):
    """The book's ``_toc.yml`` parsed by sphinx-external-toc (``parse_toc_yaml``), as a
    ``SiteMap``. Raises ValueError naming the file when the parser refuses it."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    path = _book_root(root) / "_toc.yml"
    try:
        return parse_toc_yaml(path)
    except Exception as exc:  # MalformedError, yaml's errors, a TypeError on odd YAML
        raise ValueError(f"root's {path} is not a table of contents Jupyter Book can "
                         f"read: {type(exc).__name__}: {exc}") from None


def _pages(root: pathlib.Path) -> list[str]:
    """Every page's docname under ``root`` (path without suffix), what a glob can match;
    the environment, the build, caches and hidden folders are not walked."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders
                               if d not in NOT_PAGES and not d.startswith("."))
        for name in files:
            path = pathlib.Path(folder, name)
            if path.suffix in PAGE_SUFFIXES:
                found.append(path.relative_to(root).with_suffix("").as_posix())
    return sorted(found)


def toc_files(root=ROOT) -> list[str]:
    """Every page ``_toc.yml`` (in the book's folder ``root``) puts in the book, in the
    book's order, as docnames (``intro``, ``chapters/04_relu``, ...): the root page first,
    then each page followed by its own sections. A ``glob`` entry is expanded as Sphinx's
    toctree expands it (``sphinx.util.matching.patfilter``, sorted, skipping pages its
    toctree already listed); URLs are no pages and are left out."""
    from sphinx.util.matching import patfilter
    from sphinx_external_toc.api import GlobItem, UrlItem

    site_map = read_toc(root)
    root = pathlib.Path(root)
    pages = None
    files: list[str] = []

    def visit(docname: str) -> None:
        nonlocal pages
        files.append(docname)
        document = site_map.get(docname)  # None: a page a glob found, with no sections
        for tree in document.subtrees if document is not None else ():
            listed = {docname}
            for item in tree.items:
                if isinstance(item, UrlItem):
                    continue
                if isinstance(item, GlobItem):
                    if pages is None:
                        pages = _pages(root)
                    matches = [p for p in patfilter(pages, str(item)) if p not in listed]
                else:
                    matches = [str(item)]
                for match in matches:
                    listed.add(match)
                    visit(match)

    visit(site_map.root.docname)
    return files


def chapters(root=ROOT) -> list[pathlib.Path]:
    """The chapter notebooks in the book's order: the ``chapters/`` pages of the
    ``_toc.yml`` in folder ``root`` (the only source of chapter order) that are
    notebooks."""
    root = _book_root(root)
    return [root / f"{f}.ipynb" for f in toc_files(root)
            if f.startswith("chapters/") and (root / f"{f}.ipynb").is_file()]

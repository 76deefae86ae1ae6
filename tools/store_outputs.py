"""Keep the chapters' stored outputs readable before their cells run.

``make execute`` runs every chapter with nbconvert, then this: it removes ipywidgets'
live views (``application/vnd.jupyter.widget-view+json``) from the stored outputs, so
that a playground's cell keeps only its note (``text/html``) and its ``text/plain``.
The book stores no widget state, so a stored view points at a widget model that died
with the kernel that ran the chapter: JupyterLab and Notebook 7 would show "Error
displaying widget: model not found" in a freshly opened, trusted chapter. nbval does not
compare widget views, so the stripped notebooks still pass it; the website shows the
note either way. See :func:`lib.widgets.strip_widget_views`.

Usage::

    .venv/bin/python -m tools.store_outputs chapters/*.ipynb
    .venv/bin/python -m tools.store_outputs --check chapters/*.ipynb   # exit 1 if needed

(from the repository's root). It reads and writes with nbformat, which keeps the
notebooks' on-disk format (the one ``jupyter nbconvert --inplace`` writes): a notebook
read and written back unchanged is byte-identical.

A notebook with nothing to remove is not rewritten. tests/test_structure.py fails while
a chapter stores a widget view: after running a chapter with nbconvert directly, run
this on it (``make execute`` does both).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import nbformat

from lib.widgets import strip_widget_views


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook stores a widget view")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        removed = strip_widget_views(notebook)
        if not removed:
            continue
        if args.check:
            print(f"{path}: stores {removed} widget view(s); run "
                  "`.venv/bin/python -m tools.store_outputs`")
            status = 1
        else:
            nbformat.write(notebook, path)
            print(f"{path}: removed {removed} widget view(s) from the stored outputs")
    return status


if __name__ == "__main__":
    sys.exit(main())

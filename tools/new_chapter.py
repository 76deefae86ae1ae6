"""Start a new chapter from the template: ``make chapter NAME=NN_slug``.

Copies ``templates/chapter.ipynb`` (a short, executed chapter with every part the
structure tests require, in order: title, Colab cell, hidden setup cell, lesson with a
pinned claim and an explorer, summary, exercises with nbgrader metadata) to
``chapters/NN_slug.ipynb`` and lists it in ``_toc.yml`` in the order of its number. The
copy's title, exercise labels and nbgrader ids are made its own, so that two chapters
started from the template never clash, and its Colab cell points at the repository of
``_config.yml``.

It never overwrites: an existing notebook, a chapter number already taken, or a name
already in ``_toc.yml`` stops it with a message and changes nothing.

Usage::

    .venv/bin/python -m tools.new_chapter 06_overfitting --title "Overfitting"
"""

from __future__ import annotations

import argparse
import pathlib
import re

import nbformat

from tools import colab_cell
from tools.book import ROOT, TEMPLATE

NAME = re.compile(r"^(\d\d)_([a-z0-9]+(?:_[a-z0-9]+)*)$")
TOC_ENTRY = re.compile(r"^(\s*)- file: chapters/(\d\d)_\S+\s*$")
TEMPLATE_ID = "template"  # the template's labels and nbgrader ids start with it


def _checked_name(name: str) -> re.Match:
    found = NAME.match(name.removesuffix(".ipynb")) if isinstance(name, str) else None
    if not found:
        raise ValueError(f"NAME must be NN_slug: two digits (the chapter's place in the "
                         f"book), an underscore, then lower-case words joined by "
                         f"underscores, such as 06_overfitting; got {name!r}")
    return found


def _toc_with(toc: str, stem: str, number: str) -> str:
    """``_toc.yml``'s text with ``chapters/STEM`` listed among the chapters, before the
    first chapter of a higher number (after the last chapter when none is higher)."""
    lines = toc.splitlines(keepends=True)
    entries = [(i, m) for i, line in enumerate(lines) if (m := TOC_ENTRY.match(line))]
    if not entries:
        raise ValueError("_toc.yml lists no chapter (no '- file: chapters/NN_slug' line): "
                         "add the new chapter to it by hand")
    later = [i for i, m in entries if m.group(2) > number]
    at = later[0] if later else entries[-1][0] + 1
    indent = entries[0][1].group(1)
    lines.insert(at, f"{indent}- file: chapters/{stem}\n")
    return "".join(lines)


def create(name: str, title: str | None = None, root: pathlib.Path = ROOT) -> pathlib.Path:
    """Create ``chapters/NAME.ipynb`` from the template and list it in ``_toc.yml``;
    return its path. Raises ValueError, and writes nothing, when NAME is malformed, the
    file exists, its number is taken, or ``_toc.yml`` already lists it."""
    found = _checked_name(name)
    number, slug = found.groups()
    stem = found.group(0)
    root = pathlib.Path(root)
    target = root / "chapters" / f"{stem}.ipynb"
    if target.exists():
        raise ValueError(f"{target} exists: it is left as it is (choose another NAME, or "
                         "delete the file yourself first)")
    taken = sorted(p.name for p in (root / "chapters").glob(f"{number}_*.ipynb"))
    if taken:
        raise ValueError(f"chapter number {number} is taken by chapters/{taken[0]}: "
                         "NAME starts with the new chapter's own place in the book")
    toc_path = root / "_toc.yml"
    toc = toc_path.read_text(encoding="utf-8")
    if re.search(rf"chapters/{re.escape(stem)}\s*$", toc, re.M):
        raise ValueError(f"_toc.yml already lists chapters/{stem}, but the notebook is "
                         "missing: restore it from git, or remove that line first")
    if title is not None and (not title.strip() or "\n" in title):
        raise ValueError(f"--title must be one non-empty line, got {title!r}")

    nb = nbformat.read(root / TEMPLATE.relative_to(ROOT), as_version=4)
    own = slug.replace("_", "-")
    for cell in nb.cells:
        cell.source = cell.source.replace(f"ex-{TEMPLATE_ID}-", f"ex-{own}-")
        grading = cell.metadata.get("nbgrader")
        if grading:
            grading["grade_id"] = grading["grade_id"].replace(f"{TEMPLATE_ID}_", f"{slug}_", 1)
    if title is not None:
        first, _, rest = nb.cells[0].source.partition("\n")
        nb.cells[0].source = f"# {title.strip()}\n{rest}"
    url, branch = colab_cell.repository(root / "_config.yml")
    colab_cell.apply(nb, colab_cell.cell_source(url, branch))
    new_toc = _toc_with(toc, stem, number)

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as out:  # "x": never overwrite
        nbformat.write(nb, out)
    toc_path.write_text(new_toc, encoding="utf-8")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", default="",
                        help="the chapter's file name without .ipynb: NN_slug")
    parser.add_argument("--title", help="the chapter's title (its '# ' heading)")
    args = parser.parse_args(argv)
    if not args.name:
        parser.error("NAME is missing: make chapter NAME=NN_slug [TITLE='...']")
    try:
        path = create(args.name, args.title)
    except ValueError as exc:
        parser.exit(2, f"new_chapter: {exc}\n")
    rel = path.relative_to(ROOT)
    print(f"created {rel} and listed it in _toc.yml. Next:\n"
          f"  1. write the chapter (README.md, 'Adding a chapter', lists the rules);\n"
          f"  2. `make execute` (or run {rel} in `make lab`), then `make test`.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

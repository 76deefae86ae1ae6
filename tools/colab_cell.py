"""Put the Colab install cell into every chapter notebook and the chapter template, or
check that it is there.

A chapter opened in Google Colab has no ``lib`` (the book's helpers live in the book's
repository, not on PyPI), so its setup cell would fail. Every chapter therefore has, as
its first code cell (right after the title), a cell that installs ``lib`` from the
book's repository when the book's helpers are not found (``lib.checks``: another
``lib`` folder on the path does not count), and does nothing and prints nothing where
lib is installed (``make lab``, Binder, nbval, ``make execute``). Its address is built
from ``_config.yml``'s ``repository`` (url and branch), the one place the book's address
lives. The cell is tagged ``remove-cell`` (not on the website) and ``nbval-skip``.

The cell is found by its id (``colab-install``), so running this again after the
repository moves, or after a new chapter arrives, updates or inserts that one cell and
leaves every other cell as it is. A notebook whose cell is already right is not
rewritten.

Usage::

    .venv/bin/python -m tools.colab_cell            # insert or update, every chapter + template
    .venv/bin/python -m tools.colab_cell --check    # exit 1 if a chapter needs it
    .venv/bin/python -m tools.colab_cell chapters/05_dying_relus.ipynb

(from the repository's root, like every tool of the ``tools`` package)

``make colab-cell`` runs the first form. A notebook that gained the cell needs
``make execute`` afterwards (its execution counts shift by one); one whose cell only got
a new address does not (the cell has no outputs).
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys
import tomllib

import nbformat

from tools.book import CHAPTERS, ROOT, notebook_paths, read_config

CELL_ID = "colab-install"
TAGS = ["remove-cell", "nbval-skip"]
# the chapters' line length, from its one source: chapters/ruff.toml (`make lint`)
MAX_LINE = tomllib.loads((CHAPTERS / "ruff.toml").read_text(encoding="utf-8"))[
    "line-length"]
GITHUB = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
BRANCH = re.compile(r"^[A-Za-z0-9_./-]+$")


def repository(config_path: pathlib.Path = ROOT / "_config.yml") -> tuple[str, str]:
    """(url, branch) of the book's repository, from ``_config.yml``'s ``repository``."""
    return repository_from(read_config(config_path), where=str(config_path))


def repository_from(config: dict, where: str = "_config.yml") -> tuple[str, str]:
    """(url, branch) from a loaded ``_config.yml``. Raises ValueError naming the setting
    when it is missing or not a GitHub address (Colab opens notebooks from GitHub only).
    """
    repo = config.get("repository") or {}
    url = str(repo.get("url") or "").rstrip("/")
    branch = str(repo.get("branch") or "")
    if not GITHUB.match(url):
        raise ValueError(f"{where}: repository.url must be a GitHub repository address "
                         f"like https://github.com/OWNER/NAME, got {url!r}")
    if not BRANCH.match(branch):
        raise ValueError(f"{where}: repository.branch must be a branch name such as "
                         f"main, got {branch!r}")
    return url, branch


def cell_source(url: str, branch: str) -> str:
    """The install cell's code for the repository ``url`` at ``branch``."""
    lines = [
        "# In Colab (or any Python without the book's helpers), install them from the",
        "# book's repository. Where lib is installed (make lab, Binder) it does nothing.",
        "# It looks for the book's lib.checks, not for any folder called lib.",
        "import importlib.util",
        "",
        "try:",
        '    BOOK_LIB = importlib.util.find_spec("lib.checks") is not None',
        "except ImportError:  # no lib at all, or a lib that is not a package",
        "    BOOK_LIB = False",
        "if not BOOK_LIB:",
        f'    BOOK_REPO = "{url}"',
        f'    %pip install --quiet "git+{{BOOK_REPO}}@{branch}"',
        "    import sys",
        "",
        '    sys.modules.pop("lib", None)  # the other lib the probe may have imported',
        "    importlib.invalidate_caches()",
    ]
    long = [line for line in lines if len(line) > MAX_LINE]
    if long:
        raise ValueError(f"repository.url and branch make a line of {len(long[0])} "
                         f"characters, over the chapters' {MAX_LINE}: {long[0]!r}")
    return "\n".join(lines)


def new_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": CELL_ID,
            "metadata": {"tags": list(TAGS)}, "outputs": [], "source": source}


def apply(nb: dict, source: str) -> str | None:
    """Insert or update the install cell of the notebook ``nb`` (a dict, changed in
    place; as ``nbformat.read`` returns it, each cell's source one string). Returns None
    when it was already right, "updated" when the cell right after the title only needed
    new code or tags (it keeps its execution count: it never has outputs), and
    "inserted" when it was missing or elsewhere (then the notebook needs ``make
    execute``: the execution counts after it shift by one)."""
    cells = nb["cells"]
    if not cells or cells[0]["cell_type"] != "markdown":
        raise ValueError("the first cell must be the chapter's markdown title")
    found = [i for i, c in enumerate(cells) if c.get("id") == CELL_ID]
    if len(found) > 1:
        raise ValueError(f"two cells have the id {CELL_ID!r}: remove one by hand")
    if found == [1] and cells[1]["cell_type"] == "code":
        cell = cells[1]
        if cell["source"] == source and cell["metadata"].get("tags") == TAGS:
            return None
        cell["source"] = source
        cell["metadata"]["tags"] = list(TAGS)
        cell["outputs"] = []
        return "updated"
    if found:
        cells.pop(found[0])
    cells.insert(1, new_cell(source))
    return "inserted"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks (default: every chapters/*.ipynb and the chapter "
                        "template, templates/chapter.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 and name the notebooks that need it")
    args = parser.parse_args(argv)
    try:
        source = cell_source(*repository())
    except ValueError as exc:
        print(f"colab_cell: {exc}", file=sys.stderr)
        return 2
    paths = args.notebooks or notebook_paths()
    missing = [str(p) for p in paths if p.suffix != ".ipynb" or not p.is_file()]
    if missing:
        print(f"colab_cell: notebooks: no such .ipynb file: {', '.join(missing)}",
              file=sys.stderr)
        return 2
    stale, inserted = [], False
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        try:
            change = apply(nb, source)
        except ValueError as exc:
            print(f"colab_cell: {path}: {exc}", file=sys.stderr)
            return 2
        if change:
            stale.append(path)
            inserted = inserted or change == "inserted"
            if not args.check:
                nbformat.write(nbformat.from_dict(nb), path)
                print(f"colab_cell: {change} the cell of {path}")
    if args.check:
        for path in stale:
            print(f"colab_cell: {path} lacks the current Colab install cell: run "
                  "`make colab-cell`", file=sys.stderr)
        return 1 if stale else 0
    if inserted:
        print("colab_cell: now run `make execute` (execution counts shifted by one)")
    elif not stale:
        print(f"colab_cell: all {len(paths)} notebook(s) already have the current cell")
    return 0


if __name__ == "__main__":
    sys.exit(main())

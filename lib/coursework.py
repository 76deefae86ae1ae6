"""The chapters' exercises as coursework: which chapters the book has, and what each
chapter's exercises ask and are worth, read from the notebooks themselves.

No chapter imports this module. It serves the coursework tooling, so that nothing lists
chapters or points by hand: ``tools/coursework.py`` (``make coursework``), the
instructors' page (``instructors.md``, through ``_ext/coursework_table.py``) and
``tests/test_coursework.py``. The format it reads is CONTRIBUTING.md's "Exercises": a
sphinx-exercise ``exercise`` directive with a ``:label:``, followed by answer cells
(nbgrader ``solution: true``) and check cells (nbgrader ``grade: true`` with ``points``).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re

_FENCE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{exercise\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
_DEF = re.compile(r"^def ([A-Za-z_]\w*)\s*\(", re.M)
_SOLUTION = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution\}[^\n]*\n.*?^(?P=fence)[ \t]*(\n|\Z)",
    re.M | re.S,
)


def strip_solutions(markdown: str) -> str:
    """A markdown cell without its sphinx-exercise ``solution`` directives: the student
    version of a chapter (``make coursework``) keeps the exercises, not their answers."""
    if not isinstance(markdown, str):
        raise TypeError(f"markdown must be a string, got {type(markdown).__name__}")
    text = _SOLUTION.sub("", markdown)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + ("\n" if text.endswith("\n") else "")


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter, as the notebook states and grades it."""

    label: str
    """The sphinx-exercise label (``ex-relu``): the website links to it."""
    statement: str
    """The exercise's text (MyST markdown, without the directive's options)."""
    answers: tuple[str, ...] = ()
    """grade_id of each answer cell (nbgrader ``solution``), in notebook order."""
    checks: tuple[tuple[str, float], ...] = ()
    """(grade_id, points) of each check cell (nbgrader ``grade``), in notebook order."""
    functions: tuple[str, ...] = ()
    """Names the answer cells define with ``def``: what the student writes."""

    @property
    def points(self) -> float:
        return float(sum(points for _, points in self.checks))

    @property
    def autograded(self) -> bool:
        return bool(self.checks)

    @property
    def summary(self) -> str:
        """The statement's first paragraph on one line."""
        first = self.statement.strip().split("\n\n")[0]
        return " ".join(first.split())


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _label(body: str, where: str) -> str:
    for line in body.splitlines():
        match = re.match(r"^:label:\s*(\S+)\s*$", line)
        if match:
            return match.group(1)
    raise ValueError(f"{where}: an exercise directive has no :label: option")


def _statement(body: str) -> str:
    lines = body.splitlines()
    while lines and re.match(r"^:[\w-]+:", lines[0]):
        lines.pop(0)
    return "\n".join(lines).strip()


def _load(notebook, name):
    """A notebook dict and its name, from a dict or a path."""
    if isinstance(notebook, (str, pathlib.Path)):
        path = pathlib.Path(notebook)
        name = path.name
        notebook = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError(
            f"notebook must be a notebook dict or a path, got {type(notebook).__name__}"
        )
    return notebook, name


def exercises(notebook, name: str = "notebook") -> list[Exercise]:
    """The exercises of one chapter notebook, in order.

    ``notebook`` is the notebook as a dict (``json.load``) or a path to it. Answer and
    check cells belong to the last exercise stated before them. Raises ValueError naming
    the cell when a graded cell comes before any exercise or an exercise has no label.
    """
    notebook, name = _load(notebook, name)
    found: list[dict] = []
    for i, cell in enumerate(notebook["cells"]):
        src = _source(cell)
        if cell.get("cell_type") == "markdown":
            for match in _FENCE.finditer(src):
                body = match.group("body")
                found.append(dict(label=_label(body, f"{name}, cell {i}"),
                                  statement=_statement(body), answers=[], checks=[],
                                  functions=[]))
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not (meta.get("solution") or meta.get("grade")):
            continue
        if not found:
            raise ValueError(
                f"{name}, cell {i}: an nbgrader cell ({meta.get('grade_id')!r}) comes before "
                "any exercise directive"
            )
        current = found[-1]
        if meta.get("solution"):
            current["answers"].append(meta.get("grade_id"))
            current["functions"].extend(_DEF.findall(src))
        if meta.get("grade"):
            current["checks"].append((meta.get("grade_id"), float(meta.get("points", 0))))
    return [Exercise(label=e["label"], statement=e["statement"], answers=tuple(e["answers"]),
                     checks=tuple(e["checks"]), functions=tuple(e["functions"]))
            for e in found]


def toc_files(root) -> list[str]:
    """Every file ``_toc.yml`` (in the book's folder ``root``) lists, in order, without
    suffix: the root page first (``intro``, ``chapters/04_relu``, ...)."""
    import yaml

    toc_path = pathlib.Path(root) / "_toc.yml"
    if not toc_path.is_file():
        raise ValueError(f"root must be the book's folder (with a _toc.yml), got {str(root)!r}")
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def chapters(root) -> list[pathlib.Path]:
    """The chapter notebooks in the book's order: the ``chapters/`` entries of the
    ``_toc.yml`` in folder ``root`` (the only source of chapter order)."""
    root = pathlib.Path(root)
    return [root / f"{f}.ipynb" for f in toc_files(root)
            if f.startswith("chapters/") and (root / f"{f}.ipynb").is_file()]


def title(notebook) -> str:
    """A chapter's title: its first markdown cell's '# ' heading."""
    notebook, _ = _load(notebook, "notebook")
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""

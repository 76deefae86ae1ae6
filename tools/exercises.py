"""The chapters' exercises as coursework: what each chapter's exercises ask and are worth,
read from the notebooks themselves (which chapters the book has: ``tools.book``).

Tooling, not ``lib``: no chapter imports it. It serves the coursework tooling, so that
nothing lists points by hand: ``tools/coursework.py`` (``make coursework``), the
instructors' page (``instructors.md``, through ``tools/sphinx_ext/coursework_table.py``)
and ``tests/test_coursework.py``. The format it reads is CONTRIBUTING.md's "Exercises": a
sphinx-exercise ``exercise`` directive with a ``:label:``, followed by answer cells
(nbgrader ``solution: true``) and check cells (nbgrader ``grade: true`` with ``points``).
Markdown is read by MyST's own parser (myst-parser's markdown-it, with the syntax
extensions of the book's ``_config.yml``), so a directive is found exactly where the
website renders one.
"""

from __future__ import annotations

import dataclasses
import functools
import pathlib
import re

from tools.book import read_config, read_notebook

_DEF = re.compile(r"^def ([A-Za-z_]\w*)\s*\(", re.M)
#: the tag of a markdown cell that holds one sphinx-exercise ``solution`` dropdown and
#: nothing else: the student version drops it (nbgrader_config.py, TagRemovePreprocessor)
SOLUTION_TAG = "solution-dropdown"


@dataclasses.dataclass(frozen=True)
class Directive:
    """One MyST directive of a markdown text, as MyST's parser reads it."""

    name: str
    """The directive's name (``exercise``, ``solution``)."""
    argument: str
    """What follows ``{name}`` on the opening line (a solution's exercise label)."""
    body: str
    """The lines between the fences: options, then content."""
    lines: tuple[int, int]
    """(first line, line after the closing fence), counted from 0."""


@functools.cache
def _parser():
    """MyST's markdown-it parser with the book's syntax extensions (``_config.yml``'s
    ``parse.myst_enable_extensions``; ``colon_fence`` at least, for ``:::`` directives)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    extensions = read_config().get("parse", {}).get("myst_enable_extensions") or []
    config = MdParserConfig(enable_extensions={"colon_fence", *extensions})
    return create_md_parser(config, RendererHTML)


def directives(markdown: str, name: str | None = None) -> list[Directive]:
    """The MyST directives of a markdown text (only those called ``name``, if given), in
    order: backtick and colon fences whose info starts with ``{name}``, as MyST's parser
    finds them (a fence left open runs to the end of the text, as on the website)."""
    if not isinstance(markdown, str):
        raise TypeError(f"markdown must be a string, got {type(markdown).__name__}")
    found = []
    for token in _parser().parse(markdown):
        if token.type not in ("fence", "colon_fence"):
            continue
        match = re.match(r"^\{([^}\s]+)\}\s*(.*)$", token.info.strip())
        if match and (name is None or match.group(1) == name):
            found.append(Directive(match.group(1), match.group(2).strip(), token.content,
                                   tuple(token.map)))
    return found


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
    """A notebook (as nbformat reads it) and its name, from a notebook or a path."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if isinstance(notebook, (str, pathlib.Path)):
        name = pathlib.Path(notebook).name
        notebook = read_notebook(notebook)
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError(
            f"notebook must be a notebook (nbformat.read) or a path, got "
            f"{type(notebook).__name__}"
        )
    for i, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata", {}), dict) \
                or not isinstance(cell.get("source", ""), str):
            raise TypeError(f"notebook {name}, cell {i}: a cell must be a dict with a "
                            "text source, as nbformat.read returns it")
    return notebook, name


def exercises(notebook, name: str = "notebook") -> list[Exercise]:
    """The exercises of one chapter notebook, in order.

    ``notebook`` is the notebook as ``nbformat.read`` returns it (or a dict of that
    form: each cell's source one string), or a path to it. Answer and check cells belong
    to the last exercise stated before them. Raises ValueError naming the cell when a
    graded cell comes before any exercise or an exercise has no label.
    """
    notebook, name = _load(notebook, name)
    found: list[dict] = []
    for i, cell in enumerate(notebook["cells"]):
        src = cell.get("source", "")
        if cell.get("cell_type") == "markdown":
            for directive in directives(src, "exercise"):
                found.append(dict(label=_label(directive.body, f"{name}, cell {i}"),
                                  statement=_statement(directive.body), answers=[],
                                  checks=[], functions=[]))
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        meta = meta if isinstance(meta, dict) else {}
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


def title(notebook) -> str:
    """A chapter's title: its first markdown cell's '# ' heading."""
    notebook, _ = _load(notebook, "notebook")
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "markdown":
            for line in cell.get("source", "").splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""

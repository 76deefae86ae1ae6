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

import bisect
import dataclasses
import json
import pathlib
import re

_DEF = re.compile(r"^def ([A-Za-z_]\w*)\s*\(", re.M)
_OPENING = re.compile(r"(`{3,}|:{3,})\{([^}\n]*)\}[^\n]*\n")
_CLOSING = re.compile(r"(`{3,}|:{3,})[ \t]*\n?")


def _directives(markdown: str, name: str):
    """Every MyST directive ``name`` of a markdown text, as (start, end of its body,
    end of its closing line, body): from a line that opens it with a fence (three or
    more backticks or colons, then ``{name}``) to the next line that is the same fence
    alone. An opening line without such a closing line is no directive. One pass over
    the lines, so a long run of unclosed fences costs linear time, not quadratic."""
    parts = markdown.split("\n")  # not splitlines: only \n ends a line, as for re's ^
    lines = [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    closings = {}
    for i, line in enumerate(lines):
        closing = _CLOSING.fullmatch(line)
        if closing:
            closings.setdefault(closing.group(1), []).append(i)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    found, i = [], 0
    while i < len(lines):
        opening = _OPENING.fullmatch(lines[i])
        if not opening or opening.group(2) != name:
            i += 1
            continue
        ends = closings.get(opening.group(1), [])
        k = bisect.bisect_right(ends, i)
        if k == len(ends):
            i += 1
            continue
        j = ends[k]
        body = "".join(lines[i + 1:j])
        found.append((offsets[i], offsets[j], offsets[j + 1], body))
        i = j + 1
    return found


def strip_solutions(markdown: str) -> str:
    """A markdown cell without its sphinx-exercise ``solution`` directives: the student
    version of a chapter (``make coursework``) keeps the exercises, not their answers."""
    if not isinstance(markdown, str):
        raise TypeError(f"markdown must be a string, got {type(markdown).__name__}")
    pieces, at = [], 0
    for start, _, end, _ in _directives(markdown, "solution"):
        pieces.append(markdown[at:start])
        at = end
    text = "".join(pieces) + markdown[at:]
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
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if isinstance(notebook, (str, pathlib.Path)):
        path = pathlib.Path(notebook)
        name = path.name
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:  # missing, a folder, unreadable
            raise ValueError(f"notebook {str(path)!r} cannot be read: "
                             f"{exc.strerror or exc}") from None
        except ValueError as exc:  # not JSON, or not UTF-8
            raise ValueError(f"notebook {str(path)!r} is not a notebook's JSON: "
                             f"{exc}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError(
            f"notebook must be a notebook dict or a path, got {type(notebook).__name__}"
        )
    for i, cell in enumerate(notebook["cells"]):
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata", {}), dict) or not (
                isinstance(source, str) or isinstance(source, list)
                and all(isinstance(line, str) for line in source)):
            raise TypeError(f"notebook {name}, cell {i}: a cell must be a dict with a "
                            "text source, as nbformat writes it")
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
            for _, _, _, body in _directives(src, "exercise"):
                found.append(dict(label=_label(body, f"{name}, cell {i}"),
                                  statement=_statement(body), answers=[], checks=[],
                                  functions=[]))
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


def toc_files(root) -> list[str]:
    """Every file ``_toc.yml`` (in the book's folder ``root``) lists, in order, without
    suffix: the root page first (``intro``, ``chapters/04_relu``, ...)."""
    import yaml

    toc_path = _root(root) / "_toc.yml"
    try:
        found = toc_path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL
        found = False
    if not found:
        raise ValueError(f"root must be the book's folder (with a _toc.yml), got {str(root)!r}")
    try:
        toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"root's {toc_path} is not readable YAML: {exc}") from None
    if not isinstance(toc, dict) or not isinstance(toc.get("root"), str):
        raise ValueError(f"root's {toc_path} must be a mapping with a 'root' entry (the "
                         "book's first page), as Jupyter Book's _toc.yml")
    files = [toc["root"]]

    def walk(entries, where):
        if entries is None:
            return
        if not isinstance(entries, list):
            raise ValueError(f"root's {toc_path}: {where} must be a list of entries")
        for entry in entries:
            if not isinstance(entry, dict):
                raise ValueError(f"root's {toc_path}: {where} holds {entry!r}, not an "
                                 "entry such as 'file: chapters/01_intro'")
            if "file" in entry:
                files.append(str(entry["file"]))
            walk(entry.get("sections"), "sections")

    parts = toc.get("parts") or []
    walk(parts, "parts")
    for part in parts:
        walk(part.get("chapters"), "chapters")
    walk(toc.get("chapters"), "chapters")
    return files


def _root(root) -> pathlib.Path:
    if not isinstance(root, (str, pathlib.Path)):
        raise TypeError(f"root must be a folder's path, got {type(root).__name__}")
    return pathlib.Path(root)


def chapters(root) -> list[pathlib.Path]:
    """The chapter notebooks in the book's order: the ``chapters/`` entries of the
    ``_toc.yml`` in folder ``root`` (the only source of chapter order)."""
    files = toc_files(root)
    root = _root(root)
    return [root / f"{f}.ipynb" for f in files
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

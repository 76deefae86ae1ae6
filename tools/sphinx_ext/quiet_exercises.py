"""Exercise pages that do not answer themselves: the website's copy of each notebook
without the check cells' outputs and without nbgrader's marker comments.

A chapter notebook stores the outputs of its check cells (nbval compares them), and
those outputs are the student's feedback ("Correct: ...", sometimes the answer itself).
Its answer cells keep the reference answer between nbgrader's solution marker comments,
and its check cells may end with a hidden-test block. At build time only, for every
``.ipynb`` document, this extension hands myst-nb a copy of the notebook in which

- a code cell whose nbgrader metadata has ``grade: true`` (a check cell, or an answer
  nbgrader grades by hand, whose output is the reference answer's) has no outputs;
- every code cell loses its solution marker lines (the code between them stays), and
  its hidden-test blocks, marker lines and content together: they are the checks
  nbgrader removes from the student's copy, and some spell out the answer;
- nothing else changes. The notebook on disk, the download button's copy and the
  coursework (``make coursework``, which reads the notebooks) keep everything.

It rewrites the notebook (read and written with nbformat) in Sphinx's ``source-read``
event, which Sphinx emits
with the file's text before handing that text to the document's parser (myst-nb's
``Parser.parse`` reads the notebook from that string, not from disk). A marker without
its partner, nested markers or marker text outside a code cell (nbgrader would misread
it) fail the build with an ExtensionError naming the notebook and the cell.
"""

from __future__ import annotations

import nbformat
from sphinx.errors import ExtensionError

#: nbgrader's default delimiters; it finds them in any line that contains them
SOLUTION = ("BEGIN SOLUTION", "END SOLUTION")
HIDDEN_TESTS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
MARKERS = SOLUTION + HIDDEN_TESTS


def strip_markers(source: str, where: str = "a cell") -> str:
    """A code cell's source without solution marker lines and without hidden-test
    blocks (marker lines included). Raises ExtensionError on unpaired or nested markers."""
    lines = source.splitlines(keepends=True)
    kept, open_marker = [], None
    for line in lines:
        found = [m for m in MARKERS if m in line]
        if not found:
            if open_marker != HIDDEN_TESTS[0]:
                kept.append(line)
            continue
        if len(found) > 1:
            raise ExtensionError(f"quiet_exercises: {where}: one line holds two markers "
                                 f"({found[0]!r}, {found[1]!r})")
        marker = found[0]
        if marker.startswith("BEGIN"):
            if open_marker:
                raise ExtensionError(f"quiet_exercises: {where}: {marker!r} inside an "
                                     f"open {open_marker!r} region")
            open_marker = marker
        else:
            expected = "BEGIN" + marker[len("END"):]
            if open_marker != expected:
                raise ExtensionError(f"quiet_exercises: {where}: {marker!r} without a "
                                     f"{expected!r} line before it")
            open_marker = None
    if open_marker:
        raise ExtensionError(f"quiet_exercises: {where}: {open_marker!r} is never closed")
    if len(kept) == len(lines):
        return source
    # a hidden-test block that ended the cell leaves its line break behind
    return "".join(kept).rstrip("\n")


def quiet(notebook: dict, name: str = "notebook") -> dict:
    """The notebook as the website shows it: graded code cells without outputs, code
    cells without nbgrader's marker lines and hidden tests. Pure: returns a new dict
    (unchanged cells are shared with the input), never modifies ``notebook``."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ExtensionError(f"quiet_exercises: {name} is not a notebook (no list of cells)")
    cells = []
    for i, cell in enumerate(notebook["cells"]):
        where = f"{name}, cell {i}"
        if not isinstance(cell, dict):
            raise ExtensionError(f"quiet_exercises: {where} is not a JSON object")
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not isinstance(meta, dict):
            raise ExtensionError(f"quiet_exercises: {where}: its nbgrader metadata is "
                                 f"{type(meta).__name__}, not an object")
        source = cell.get("source", "")
        if not isinstance(source, str):
            raise ExtensionError(f"quiet_exercises: {where}: its source is "
                                 f"{type(source).__name__}, not one string (nbformat.reads)")
        if cell.get("cell_type") != "code":
            found = [m for m in MARKERS if m in source]
            if found:
                raise ExtensionError(
                    f"quiet_exercises: {where}: a {cell.get('cell_type')} cell spells out "
                    f"nbgrader's marker {found[0]!r}; nbgrader would read it as one: "
                    "describe it in other words")
            cells.append(cell)
            continue
        stripped = strip_markers(source, where)
        graded = bool(meta.get("grade"))
        if stripped == source and not (graded and cell.get("outputs")):
            cells.append(cell)
            continue
        new = dict(cell, source=stripped)
        if graded:
            new["outputs"] = []
        cells.append(new)
    return dict(notebook, cells=cells)


def rewrite(app, docname: str, content: list[str]) -> None:
    """source-read: replace a notebook's text with its quiet version."""
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    text = content[0]
    if '"nbgrader"' not in text and not any(m in text for m in MARKERS):
        return
    try:
        notebook = nbformat.reads(text, as_version=4)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ExtensionError(f"quiet_exercises: {docname}.ipynb is not a notebook "
                             f"nbformat can read: {err}") from err
    content[0] = nbformat.writes(nbformat.from_dict(quiet(notebook, f"{docname}.ipynb")))


def setup(app):
    app.connect("source-read", rewrite)
    # source-read runs in the process that reads the document, on that document alone
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

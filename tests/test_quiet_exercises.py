"""tools/sphinx_ext/quiet_exercises.py: the notebook the website renders, without
check-cell outputs, nbgrader's marker lines and hidden tests (tests/test_site.py checks
the built pages)."""

from __future__ import annotations

import copy
import types

import nbformat
import pytest
from sphinx.errors import ExtensionError

from tools.book import ROOT, chapters
from tools.book import read_notebook as load
from tools.sphinx_ext import quiet_exercises as ext

B, E = "### BEGIN SOLUTION", "### END SOLUTION"
BH, EH = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
OUTPUT = [{"output_type": "stream", "name": "stdout", "text": ["Correct: yes\n"]}]


def code(source, nbgrader=None, outputs=None, tags=()):
    meta = {"tags": list(tags)}
    if nbgrader is not None:
        meta["nbgrader"] = nbgrader
    return {"cell_type": "code", "execution_count": 1, "metadata": meta,
            "outputs": copy.deepcopy(outputs or []), "source": source}


def answer(source, outputs=None):
    return code(source, {"solution": True, "grade": False, "grade_id": "a"}, outputs,
                tags=["hide-input"])


def check(source, outputs=OUTPUT):
    return code(source, {"solution": False, "grade": True, "points": 2, "grade_id": "c",
                         "locked": True}, outputs, tags=["hide-input"])


def notebook(*cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {}},
            "cells": list(cells)}


ANSWER = f"def relu(x):\n    {B}\n    return np.maximum(x, 0.0)\n    {E}"
CHECK = f"checks.relu(relu)\n{BH}\nassert relu(-1.0) == 0\n{EH}"


def test_check_cell_loses_its_output_and_hidden_tests_keeps_its_call():
    nb = notebook(check(CHECK))
    (cell,) = ext.quiet(nb)["cells"]
    assert cell["outputs"] == []
    assert cell["source"] == "checks.relu(relu)"
    assert cell["metadata"] == nb["cells"][0]["metadata"]


def test_hidden_tests_in_the_middle_go_with_their_markers_only():
    source = f"checks.f(f)\n{BH}\nassert f(1) == 2\n{EH}\nprint('done')\n"
    assert ext.strip_markers(source) == "checks.f(f)\nprint('done')"


def test_answer_cell_keeps_its_code_without_the_marker_lines():
    nb = notebook(answer(ANSWER))
    (cell,) = ext.quiet(nb)["cells"]
    assert cell["source"] == "def relu(x):\n    return np.maximum(x, 0.0)"
    assert cell["metadata"]["tags"] == ["hide-input"]


def test_only_graded_cells_lose_outputs():
    printed = [{"output_type": "stream", "name": "stdout", "text": ["3\n"]}]
    nb = notebook(answer(ANSWER, printed), code("print(3)", outputs=printed),
                  check("checks.f(f)"))
    cells = ext.quiet(nb)["cells"]
    assert cells[0]["outputs"] == printed and cells[1]["outputs"] == printed
    assert cells[2]["outputs"] == [] and cells[2]["source"] == "checks.f(f)"


def test_a_cell_both_answer_and_graded_loses_markers_and_outputs():
    both = code(f"x = 1\n{B}\nx = 2\n{E}", {"solution": True, "grade": True, "points": 1},
                OUTPUT)
    (cell,) = ext.quiet(notebook(both))["cells"]
    assert cell["source"] == "x = 1\nx = 2" and cell["outputs"] == []


def test_a_source_not_read_by_nbformat_is_named():
    # on disk a source is a list of lines; rewrite() reads it with nbformat (one string)
    nb = notebook(code("x = 0"), answer(ANSWER.splitlines(keepends=True)))
    with pytest.raises(ExtensionError, match="x.ipynb, cell 1: its source is list"):
        ext.quiet(nb, "x.ipynb")


def test_input_is_not_mutated_and_untouched_cells_are_shared():
    md = {"cell_type": "markdown", "metadata": {}, "source": "The solution markers..."}
    plain = code("x = 1", outputs=OUTPUT)
    nb = notebook(md, plain, answer(ANSWER), check(CHECK))
    before = copy.deepcopy(nb)
    out = ext.quiet(nb)
    assert nb == before
    assert out is not nb and out["cells"] is not nb["cells"]
    assert out["cells"][0] is md and out["cells"][1] is plain
    assert out["metadata"] == nb["metadata"] and out["nbformat"] == 4


@pytest.mark.parametrize("source, message", [
    (f"x = 1\n{B}\nx = 2", "is never closed"),
    (f"x = 1\n{E}", "without a 'BEGIN SOLUTION' line before it"),
    (f"{B}\n{BH}\n{EH}\n{E}", "inside an open 'BEGIN SOLUTION' region"),
    (f"{BH}\nx\n{E}", "without a 'BEGIN SOLUTION' line before it"),
    ("# BEGIN SOLUTION and END SOLUTION", "one line holds two markers"),
])
def test_unpaired_or_nested_markers_fail_naming_the_cell(source, message):
    nb = notebook(code("x = 0"), answer(source))
    with pytest.raises(ExtensionError, match=message) as err:
        ext.quiet(nb, "chapters/x.ipynb")
    assert "chapters/x.ipynb, cell 1" in str(err.value)


def test_malformed_notebooks_and_markers_in_prose_fail():
    with pytest.raises(ExtensionError, match="not a notebook"):
        ext.quiet({"cells": "none"}, "x.ipynb")
    with pytest.raises(ExtensionError, match="cell 0 is not a JSON object"):
        ext.quiet(notebook("x = 1"), "x.ipynb")
    bad_meta = code("x = 1")
    bad_meta["metadata"]["nbgrader"] = True
    with pytest.raises(ExtensionError, match="nbgrader metadata is bool"):
        ext.quiet(notebook(bad_meta), "x.ipynb")
    prose = {"cell_type": "markdown", "metadata": {}, "source": f"Replace {B} here"}
    with pytest.raises(ExtensionError, match="markdown cell spells out"):
        ext.quiet(notebook(prose), "x.ipynb")


def _app(suffix):
    env = types.SimpleNamespace(doc2path=lambda docname: f"/book/{docname}{suffix}")
    return types.SimpleNamespace(env=env)


def test_source_read_rewrites_notebooks_only():
    nb = notebook(answer(ANSWER), check(CHECK))
    for i, cell in enumerate(nb["cells"]):
        cell["id"] = f"cell-{i}"
    text = nbformat.writes(nbformat.from_dict(nb))  # on disk: sources as lists of lines
    assert '"source": [' in text
    content = [text]
    ext.rewrite(_app(".ipynb"), "chapters/x", content)
    cells = nbformat.reads(content[0], as_version=4)["cells"]
    assert cells[0]["source"] == "def relu(x):\n    return np.maximum(x, 0.0)"
    assert cells[1]["outputs"] == []
    content = [text]
    ext.rewrite(_app(".md"), "intro", content)
    assert content == [text]
    with pytest.raises(ExtensionError, match="chapters/x.ipynb is not a notebook nbformat"):
        ext.rewrite(_app(".ipynb"), "chapters/x", ['{"nbgrader": '])


@pytest.mark.parametrize("path", chapters(ROOT), ids=lambda p: p.stem)
def test_every_chapter_comes_out_quiet_and_otherwise_unchanged(path):
    nb = load(path)
    out = ext.quiet(nb, path.name)
    for before, after in zip(nb["cells"], out["cells"]):
        meta = before["metadata"].get("nbgrader", {})
        if not meta:
            assert after is before
            continue
        text = after["source"]
        assert not any(m in text for m in ext.MARKERS), f"{path.name}: {text!r}"
        if meta.get("grade"):
            assert after["outputs"] == []

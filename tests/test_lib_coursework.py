"""lib.coursework: the chapters from _toc.yml and each chapter's exercises read from its
notebook (statement, answer and check cells, points)."""

import pytest
from conftest import ROOT, chapter_paths

from lib import coursework


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text, **nbgrader):
    meta = {"nbgrader": dict(nbgrader, schema_version=3)} if nbgrader else {}
    return {"cell_type": "code", "metadata": meta, "source": text, "outputs": []}


NOTEBOOK = {"cells": [
    _md("# A chapter\n\nText."),
    _code("x = 1"),
    _md("## Exercises\n\n```{exercise}\n:label: ex-think\n\nWhy?\nExplain.\n\nMore.\n```\n"
        "\n```{solution} ex-think\n:class: dropdown\n\nBecause.\n```\n\n"
        ":::{exercise}\n:label: ex-write\n:class: tip\n\nWrite `f(x)`.\n:::\n"),
    _code("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n",
          solution=True, grade=False, grade_id="f_answer"),
    _code("checks.f(f)", grade=True, solution=False, locked=True, points=3,
          grade_id="f_check"),
    _code("def g(x):\n    return x\n", solution=True, grade=False, grade_id="g_answer"),
    _code("checks.g(g)", grade=True, solution=False, locked=True, points=1.5,
          grade_id="g_check"),
]}


def test_exercises_are_read_in_order_with_their_cells():
    think, write = coursework.exercises(NOTEBOOK)
    assert think.label == "ex-think" and not think.autograded and think.points == 0
    assert think.summary == "Why? Explain."
    assert write.label == "ex-write" and write.statement == "Write `f(x)`."
    assert write.answers == ("f_answer", "g_answer")
    assert write.checks == (("f_check", 3.0), ("g_check", 1.5))
    assert write.functions == ("f", "g") and write.points == 4.5


def test_a_graded_cell_before_any_exercise_is_named():
    nb = {"cells": [_code("checks.f(f)", grade=True, points=1, grade_id="early")]}
    with pytest.raises(ValueError, match="cell 0.*'early'.*before any exercise"):
        coursework.exercises(nb, "x.ipynb")


def test_an_exercise_without_label_is_named():
    with pytest.raises(ValueError, match="x.ipynb, cell 0.*:label:"):
        coursework.exercises({"cells": [_md("```{exercise}\nWrite.\n```\n")]}, "x.ipynb")


@pytest.mark.parametrize("bad", [None, 3, {"no": "cells"}, ["cells"]])
def test_bad_notebook_argument(bad):
    with pytest.raises(TypeError, match="notebook must be"):
        coursework.exercises(bad)
    with pytest.raises(TypeError, match="notebook must be"):
        coursework.title(bad)


def test_chapters_follow_the_toc_and_exist():
    found = coursework.chapters(ROOT)
    assert sorted(found) == chapter_paths()
    with pytest.raises(ValueError, match="root must be the book's folder"):
        coursework.chapters(ROOT / "lib")


def test_titles_and_paths():
    for path in chapter_paths():
        assert coursework.title(path) and coursework.exercises(path)


def test_strip_solutions_keeps_exercises_and_text():
    text = ("Intro.\n\n```{exercise}\n:label: ex-a\n\nDo it.\n```\n\n"
            "```{solution} ex-a\n:class: dropdown\n\nThe answer.\n```\n\n"
            "::::{solution} ex-b\n```python\nx = 1\n```\n::::\n\nAfter.\n")
    out = coursework.strip_solutions(text)
    assert out == "Intro.\n\n```{exercise}\n:label: ex-a\n\nDo it.\n```\n\nAfter.\n"
    assert coursework.strip_solutions("No solution here.") == "No solution here."
    assert coursework.strip_solutions("```{solution} ex\nA.\n```") == ""


def test_strip_solutions_refuses_non_text():
    with pytest.raises(TypeError, match="markdown must be a string"):
        coursework.strip_solutions(["```{solution}"])

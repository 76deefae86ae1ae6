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


# ---------------------------------------------------------------- issue 15: regressions


@pytest.mark.parametrize(("toc", "words"), [
    ("format: jb-book\nchapters:\n- file: chapters/01_a\n", "'root' entry"),  # KeyError
    ("root: intro\nchapters: [\n", "not readable YAML"),                     # ParserError
    ("- root\n", "'root' entry"),
    ("root: intro\nchapters: 3\n", "chapters must be a list"),
    ("root: intro\nparts:\n- chapters:\n  - just text\n", "not an entry"),
])
def test_issue15_6_a_broken_toc_names_its_file(tmp_path, toc, words):
    (tmp_path / "_toc.yml").write_text(toc, encoding="utf-8")
    for call in (coursework.toc_files, coursework.chapters):
        with pytest.raises(ValueError) as info:
            call(tmp_path)
        assert type(info.value) is ValueError
        assert words in str(info.value) and str(tmp_path / "_toc.yml") in str(info.value)


def test_issue15_6_a_missing_or_broken_notebook_names_its_file(tmp_path):
    missing = tmp_path / "missing.ipynb"                                # FileNotFoundError
    (tmp_path / "broken.ipynb").write_text("{", encoding="utf-8")
    (tmp_path / "latin1.ipynb").write_bytes(b'{"cells": ["\xe9"]}')
    for path in (missing, tmp_path, tmp_path / "broken.ipynb", tmp_path / "latin1.ipynb"):
        for call in (coursework.exercises, coursework.title):
            with pytest.raises(ValueError) as info:
                call(path)
            assert type(info.value) is ValueError and str(path) in str(info.value)
    with pytest.raises(ValueError, match="root must be the book's folder"):
        coursework.toc_files(tmp_path / ("x" * 5000))                 # name too long
    with pytest.raises(TypeError, match="root must be a folder's path"):
        coursework.chapters(None)


@pytest.mark.parametrize("cells", [[3], [{"source": 3}], [{"source": ["a", 1]}],
                                   [{"metadata": []}]])
def test_issue15_6_malformed_cells_are_named(cells):
    with pytest.raises(TypeError, match="cell 0"):
        coursework.exercises({"cells": cells})


def test_issue15_6_strip_solutions_is_linear_on_a_long_run_of_fences():
    # unclosed opening fences: each one made the old regex scan to the end of the text,
    # quadratic time (0.3 s for 2,000 fences when measured, so about 27 s for these
    # 20,000); one pass over the lines takes milliseconds
    run = "```{solution} ex\n" * 20_000
    assert coursework.strip_solutions(run + "Text.\n") == run + "Text.\n"
    closed = "Before.\n" + "```{solution} ex\nA.\n```\n" * 20_000 + "After.\n"
    assert coursework.strip_solutions(closed) == "Before.\nAfter.\n"
    nested = "::::{solution} ex\n" + ":::{solution}\n" * 20_000 + "::::\nAfter.\n"
    assert coursework.strip_solutions(nested) == "After.\n"


def test_issue15_6_directives_are_read_as_before():
    # the one-pass reader finds what the old regular expressions found
    text = ("```{exercise}\n:label: a\nOne.\n```\n````{exercise}\n:label: b\n```\n"
            "Two.\n````\n:::{exercise}\n:label: d\nThree.\n:::   \n"
            "```{exercise}\n:label: c\nclosed by the last line, with no newline\n````\n"
            ":::{exercise}\n:label: swallowed\n:::\n```")
    cell = {"cell_type": "markdown", "metadata": {}, "source": text}
    found = coursework.exercises({"cells": [cell]})
    assert [e.label for e in found] == ["a", "b", "d", "c"]
    assert [e.statement for e in found][1] == "```\nTwo."

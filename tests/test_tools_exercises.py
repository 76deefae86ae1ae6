"""tools.book and tools.exercises: the chapters from _toc.yml (sphinx-external-toc's
parser), notebooks read with nbformat, and each chapter's exercises read from its notebook
(statement, answer and check cells, points; directives found by MyST's parser)."""

import nbformat
import pytest

from tools import book
from tools import exercises as coursework
from tools.book import ROOT, chapter_paths


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
    found = book.chapters(ROOT)
    assert sorted(found) == chapter_paths()
    assert book.toc_files(ROOT)[0] == "intro"
    with pytest.raises(ValueError, match="root must be the book's folder"):
        book.chapters(ROOT / "lib")


def test_a_glob_in_the_toc_is_expanded_as_sphinx_does(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n- caption: C\n  chapters:\n"
        "  - file: chapters/02_b\n  - glob: chapters/*\n  - url: https://example.org\n"
        "    title: Elsewhere\n", encoding="utf-8")
    (tmp_path / "chapters" / "deeper").mkdir(parents=True)
    for name in ("intro.md", "chapters/01_a.ipynb", "chapters/02_b.md", "chapters/03_c.ipynb",
                 "chapters/deeper/04_d.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    # sorted, without the page the toctree already lists, `*` within one folder
    assert book.toc_files(tmp_path) == ["intro", "chapters/02_b", "chapters/01_a",
                                        "chapters/03_c"]
    assert book.chapters(tmp_path) == [tmp_path / "chapters/01_a.ipynb",
                                       tmp_path / "chapters/03_c.ipynb"]


def test_titles_and_paths():
    for path in chapter_paths():
        assert coursework.title(path) and coursework.exercises(path)


def test_notebooks_are_read_by_nbformat_with_one_string_per_source():
    nb = book.read_notebook(chapter_paths()[0])
    assert isinstance(nb, nbformat.NotebookNode) and nb.nbformat == 4
    assert all(isinstance(cell.source, str) for cell in nb.cells)
    with pytest.raises(TypeError, match="path must be a path"):
        book.read_notebook(None)


def test_directives_are_found_by_myst_s_parser():
    text = ("Intro.\n\n```{exercise}\n:label: ex-a\n\nDo it.\n```\n\n"
            "````{solution} ex-a\n:class: dropdown\n\n```python\nx = 1\n```\n````\n\n"
            "::::{solution} ex-b\nText.\n::::\n\n    ```{solution} in-code\n    ```\n")
    found = coursework.directives(text)
    assert [(d.name, d.argument) for d in found] == [
        ("exercise", ""), ("solution", "ex-a"), ("solution", "ex-b")]
    assert found[1].body == ":class: dropdown\n\n```python\nx = 1\n```\n"
    assert found[1].lines == (8, 15)
    assert [d.argument for d in coursework.directives(text, "solution")] == ["ex-a", "ex-b"]
    with pytest.raises(TypeError, match="markdown must be a string"):
        coursework.directives(["```{solution}"])


# ---------------------------------------------------------------- issue 15: regressions


@pytest.mark.parametrize(("toc", "words"), [
    ("format: jb-book\nchapters:\n- file: chapters/01_a\n", "'root' key not found"),
    ("root: intro\nchapters: [\n", "ParserError"),
    ("- root\n", "not a mapping"),
    ("root: intro\nchapters: 3\n", "Unknown keys"),
    ("format: jb-book\nroot: intro\nparts:\n- chapters:\n  - just text\n", "MalformedError"),
])
def test_issue15_6_a_broken_toc_names_its_file(tmp_path, toc, words):
    (tmp_path / "_toc.yml").write_text(toc, encoding="utf-8")
    for call in (book.toc_files, book.chapters):
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
        book.toc_files(tmp_path / ("x" * 5000))                       # name too long
    with pytest.raises(TypeError, match="root must be a folder's path"):
        book.chapters(None)


@pytest.mark.parametrize("cells", [[3], [{"source": 3}], [{"source": ["a", 1]}],
                                   [{"metadata": []}]])
def test_issue15_6_malformed_cells_are_named(cells):
    with pytest.raises(TypeError, match="cell 0"):
        coursework.exercises({"cells": cells})


def test_issue15_6_directives_are_found_in_linear_time_on_a_long_run_of_fences():
    # the hand-written reader this replaced was once quadratic on unclosed fences; MyST's
    # parser reads an unclosed fence to the end of the text, as the website renders it
    run = "```{solution} ex\n" * 20_000
    (found,) = coursework.directives(run + "Text.\n")
    assert found.lines == (0, 20_001)
    closed = "Before.\n" + "```{solution} ex\nA.\n```\n" * 20_000 + "After.\n"
    assert len(coursework.directives(closed, "solution")) == 20_000


def test_issue15_6_directives_are_read_as_the_website_reads_them():
    # CommonMark's fences, as MyST renders them: a longer fence closes a shorter one
    # (the hand-written reader this replaced wanted the same fence, and so swallowed
    # the last exercise that the website shows)
    text = ("```{exercise}\n:label: a\nOne.\n```\n````{exercise}\n:label: b\n```\n"
            "Two.\n````\n:::{exercise}\n:label: d\nThree.\n:::   \n"
            "```{exercise}\n:label: c\nclosed by a longer fence\n````\n"
            ":::{exercise}\n:label: e\n:::\n```")
    cell = {"cell_type": "markdown", "metadata": {}, "source": text}
    found = coursework.exercises({"cells": [cell]})
    assert [e.label for e in found] == ["a", "b", "d", "c", "e"]
    assert [e.statement for e in found][1] == "```\nTwo."
    assert [e.statement for e in found][3] == "closed by a longer fence"

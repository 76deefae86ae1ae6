"""Coursework (CONTRIBUTING.md, "Exercises"): every chapter in _toc.yml becomes an nbgrader
assignment with `make coursework` (tools.coursework), and its submissions autograde.

One course folder is generated per module, in a temporary folder (never the reader's
_build/coursework): every chapter's student version and instructor's copy. No chapter is
executed for that (nbgrader_config.py: the instructor's copy keeps the stored outputs,
which nbval checks), so the per-chapter tests read the generated notebooks: the student
version has blank answers, no hidden test and the lesson intact; its nbgrader metadata
is valid and worth the chapter's points; its lesson cells use no name that only an
answer defines.

The full round trip runs on ONE chapter (FULL, the first in _toc.yml): three submissions
autograded offline with nbgrader, exported and given feedback: the reference solutions
(full marks), the student version untouched (zero marks, no crash) and the reference with
one answer deliberately wrong (partial marks, feedback naming the failing exercise). The
other chapters need no such run: nbval executes each chapter with its reference answers
and hidden tests (full marks), and tests/test_lib_checks.py calls every check of every
chapter in-process with the reference answer, nbgrader's stub and a wrong answer.
"""

from __future__ import annotations

import ast
import copy
import csv
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from tools import book
from tools import coursework as tool
from tools import exercises as coursework
from tools.book import ROOT
from tools.book import read_notebook as load
from tools.exercises import SOLUTION_TAG

BIN = pathlib.Path(sys.executable).parent
CHAPTERS = book.chapters(ROOT)
STEMS = [p.stem for p in CHAPTERS]
COURSE_ID = re.search(r'course_id = "([^"]+)"',
                      (ROOT / "nbgrader_config.py").read_text()).group(1)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
STUDENTS = ("reference", "untouched", "wrong")
# the chapter that goes through the whole round trip (see the module's docstring)
FULL = STEMS[0] if STEMS else None
# autograding executes the chapter three times: not in `make unit`
slow = pytest.mark.slow


def _env():
    # nbgrader runs `alembic` by name; one thread per kernel as in nbval; no network
    return dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                OMP_NUM_THREADS="1", http_proxy="http://127.0.0.1:9",
                https_proxy="http://127.0.0.1:9", no_proxy="127.0.0.1,localhost")


def run_tool(*args):
    return subprocess.run([sys.executable, "-m", "tools.coursework", *map(str, args)], cwd=ROOT,
                          env=_env(), capture_output=True, text=True)


def nbgrader(course, *args):
    done = subprocess.run([str(BIN / "nbgrader"), *args, f"--CourseDirectory.root={course}"],
                          cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    assert "Exception while loading config file" not in done.stderr, done.stderr[-3000:]
    return done


def _meta(cell):
    return cell["metadata"].get("nbgrader", {})


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def _between(text, begin, end):
    """The lines strictly between `begin` and `end` marker lines (or directive fences)."""
    out, inside = [], False
    for line in text.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and line.strip():
            out.append(line.strip())
    return out


def _solution_code(cell):
    """A reference answer cell without its marker lines: what a perfect student types."""
    return "\n".join(line for line in cell.source.splitlines()
                     if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)


def _wrong_code(cell, name):
    """The reference answer, then `name` (a function or a value) made wrong: numbers
    scaled and shifted, a truth value negated, anything else replaced by None."""
    return _solution_code(cell) + f"""


def _deliberately_wrong(value):
    import numpy
    if isinstance(value, (bool, numpy.bool_)):
        return not value
    try:
        return numpy.asarray(value, dtype=float) * 1.5 + 0.25 if numpy.ndim(value) \\
            else float(value) * 1.5 + 0.25
    except (TypeError, ValueError):
        return None


_right_{name} = {name}
if callable(_right_{name}):
    def {name}(*args, **kwargs):
        return _deliberately_wrong(_right_{name}(*args, **kwargs))
else:
    {name} = _deliberately_wrong(_right_{name})
"""


def make_submissions(course, stem):
    """submitted/{reference,untouched,wrong}/STEM/ from the release; returns the wrong
    answer's function and the grade ids of the check cells that call it."""
    release = course / "release" / stem
    source = {_meta(c).get("grade_id"): c for c in load(course / "source" / stem /
                                                           f"{stem}.ipynb")["cells"]}
    student = load(release / f"{stem}.ipynb")
    first = next(e for e in coursework.exercises(CHAPTERS[STEMS.index(stem)])
                 if e.autograded)
    # what the first check cell of the first autograded exercise hands to lib.checks
    first_check = source[first.checks[0][0]].source
    wrong_cell = first.answers[0]
    wrong_fn = re.search(r"checks\.\w+\((\w+)", first_check).group(1)
    variants = {"untouched": {}, "reference": {}, "wrong": {}}
    for cell in student["cells"]:
        if _meta(cell).get("solution"):
            gid = _meta(cell)["grade_id"]
            variants["reference"][gid] = _solution_code(source[gid])
            variants["wrong"][gid] = (_wrong_code(source[gid], wrong_fn)
                                      if gid == wrong_cell else _solution_code(source[gid]))
    for name in STUDENTS:
        folder = course / "submitted" / name / stem
        shutil.copytree(release, folder)
        nb = copy.deepcopy(student)
        for cell in nb["cells"]:
            gid = _meta(cell).get("grade_id")
            if gid in variants[name]:
                cell["source"] = variants[name][gid]
        nbformat.write(nb, folder / f"{stem}.ipynb")
    # the name itself, not an attribute of that name (a hidden test may call torch's
    # F.leaky_relu beside the student's leaky_relu)
    failing = [_meta(c)["grade_id"] for c in source.values()
               if _meta(c).get("grade") and re.search(rf"(?<![\w.]){wrong_fn}\b", c.source)]
    return wrong_fn, failing


def autograde(template, work, stem):
    """Copy the generated course, submit three notebooks, autograde and give feedback;
    returns the scores per student and per cell, the feedback and the time taken."""
    from nbgrader.api import Gradebook

    course = work / stem
    shutil.copytree(template, course)
    wrong_fn, failing = make_submissions(course, stem)
    start = time.perf_counter()
    nbgrader(course, "autograde", stem)
    seconds = time.perf_counter() - start
    nbgrader(course, "generate_feedback", stem)
    nbgrader(course, "export", f"--ExportPlugin.to={course / 'grades.csv'}")
    with open(course / "grades.csv", newline="") as f:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)
                    if row["assignment"] == stem}
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for student in STUDENTS:
            nb = gb.find_submission_notebook(stem, stem, student)
            cells = {g.name: (g.score, g.max_score) for g in nb.grades}
            scores[student] = (nb.score, nb.max_score, cells)
    feedback = {s: (course / "feedback" / s / stem / f"{stem}.html").read_text()
                for s in STUDENTS}
    autograded = {s: load(course / "autograded" / s / stem / f"{stem}.ipynb")
                  for s in STUDENTS}
    return dict(scores=scores, feedback=feedback, autograded=autograded, seconds=seconds,
                exported=exported,
                wrong_fn=wrong_fn, failing=failing)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """`python -m tools.coursework` on every chapter, once, in a temporary course folder."""
    folder = tmp_path_factory.mktemp("coursework") / "course"
    done = run_tool("--root", folder)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder, done.stdout


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """FULL's three submissions, autograded (one nbgrader process at a time: no pool of
    kernels competing for the cores with pytest-xdist's other worker)."""
    return autograde(course[0], tmp_path_factory.mktemp("graded"), FULL)


def test_the_book_has_chapters_to_assign():
    assert CHAPTERS, "_toc.yml lists no chapter notebook"


def test_generate_reports_every_chapter(course):
    folder, out = course
    for stem in STEMS:
        assert f"released {folder / 'release' / stem / stem}.ipynb" in out, out
        assert (folder / "solution" / stem / f"{stem}.ipynb").is_file()
        assert (folder / "release" / stem / "lib" / "checks" / "__init__.py").is_file()


@pytest.mark.parametrize("stem", STEMS)
def test_student_version_has_no_solution_no_hidden_test_no_output(course, stem):
    folder = course[0]
    chapter = load(ROOT / "chapters" / f"{stem}.ipynb")
    student = load(folder / "release" / stem / f"{stem}.ipynb")
    text = json.dumps(student)
    for marker in MARKERS:
        assert marker not in text, f"{stem}: {marker!r} survives in the student version"
    assert "{solution}" not in text, f"{stem}: a solution dropdown survives"
    dropdowns = [c for c in chapter["cells"] if SOLUTION_TAG in c["metadata"].get("tags", [])]
    assert dropdowns, f"{stem}: no cell tagged {SOLUTION_TAG!r} (its conceptual answers)"
    # every line of a reference answer or a hidden test is gone, unless the lesson
    # itself has that line outside the exercises' regions
    lesson = "\n".join(c.source for c in chapter["cells"]
                       if not _meta(c) and c not in dropdowns)
    student_text = "\n".join(c.source for c in student["cells"])
    for cell in chapter["cells"]:
        secret = (_between(cell.source, "BEGIN SOLUTION", "END SOLUTION")
                  + _between(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
                  + (_lines(cell.source) if cell in dropdowns else []))
        for line in secret:
            assert student_text.count(line) <= lesson.count(line), (
                f"{stem}, {_meta(cell).get('grade_id')}: {line!r} survives"
            )
    for cell in student["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, (
                f"{stem}: the student version keeps an output"
            )
        if _meta(cell).get("solution"):
            assert "raise NotImplementedError()" in cell.source


@pytest.mark.parametrize("stem", STEMS)
def test_student_version_keeps_the_lesson(course, stem):
    chapter = [c for c in load(ROOT / "chapters" / f"{stem}.ipynb")["cells"]
               if SOLUTION_TAG not in c["metadata"].get("tags", [])]  # dropdowns go
    student = load(course[0] / "release" / stem / f"{stem}.ipynb")["cells"]
    assert len(student) == len(chapter), f"{stem}: cells were added or removed"
    for i, (ours, theirs) in enumerate(zip(chapter, student)):
        assert ours["cell_type"] == theirs["cell_type"]
        if ours["cell_type"] == "markdown":  # the text, exercise statements included
            assert ours.source == theirs.source, f"{stem}, cell {i} changed"
        elif not _meta(ours):
            assert ours.source == theirs.source, f"{stem}, cell {i} changed"
            assert ours["metadata"].get("tags") == theirs["metadata"].get("tags")
        elif _meta(ours).get("grade"):  # the visible part of a check cell stays
            visible = ours.source.split("### BEGIN HIDDEN TESTS")[0].rstrip()
            assert theirs.source.startswith(visible), f"{stem}, cell {i} changed"
            assert _meta(theirs).get("locked") is True


@pytest.mark.parametrize("stem", STEMS)
def test_instructors_copy_has_solutions_hidden_tests_and_outputs(course, stem):
    chapter = load(ROOT / "chapters" / f"{stem}.ipynb")["cells"]
    copy = load(course[0] / "solution" / stem / f"{stem}.ipynb")["cells"]
    assert [c.source for c in copy] == [c.source for c in chapter]
    assert [c.get("outputs") for c in copy] == [c.get("outputs") for c in chapter]


@slow
def test_reference_solutions_get_full_marks(graded):
    stem, result = FULL, graded
    score, max_score, cells = result["scores"]["reference"]
    expected = sum(e.points for e in coursework.exercises(CHAPTERS[STEMS.index(stem)]))
    assert max_score == pytest.approx(expected) and max_score > 0
    lost = {k: v for k, v in cells.items() if v[0] != v[1]}
    assert score == pytest.approx(max_score), f"{stem}: reference lost points in {lost}"
    assert result["exported"] == {s: result["scores"][s][0] for s in STUDENTS}, (
        f"{stem}: `nbgrader export` disagrees with the gradebook"
    )
    print(f"\n{stem}: autograded 3 submissions in {result['seconds']:.1f} s")


@slow
def test_untouched_student_version_gets_zero_without_crashing(graded):
    stem, result = FULL, graded
    score, max_score, cells = result["scores"]["untouched"]
    assert max_score > 0 and score == 0, f"{stem}: an empty answer got points: {cells}"
    nb = result["autograded"]["untouched"]
    for cell in nb["cells"]:
        if _meta(cell).get("grade"):
            errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
            assert errors and errors[0]["ename"] == "AssertionError", (
                f"{stem}, {_meta(cell)['grade_id']}: expected the check's sentence, got "
                f"{[o.get('ename') for o in errors]}"
            )
            assert "not written yet" in errors[0]["evalue"]
        elif cell["cell_type"] == "code":  # the lesson itself still runs
            assert not [o for o in cell["outputs"] if o["output_type"] == "error"], (
                f"{stem}: a lesson cell fails in the student version: {cell.source[:80]}"
            )


@slow
def test_wrong_answer_gets_partial_marks_and_named_feedback(graded):
    stem, result = FULL, graded
    score, max_score, cells = result["scores"]["wrong"]
    assert 0 < score < max_score, f"{stem}: {score} of {max_score}"
    lost = {gid for gid, (got, worth) in cells.items() if got != worth}
    assert lost == set(result["failing"]), f"{stem}: lost points in {lost}"
    feedback = result["feedback"]["wrong"]
    fn = result["wrong_fn"]
    for gid in result["failing"]:
        assert gid in feedback, f"{stem}: the feedback does not name {gid}"
    assert "AssertionError" in feedback and "Hint:" in feedback
    assert "_elementwise" not in feedback and "_call(" not in feedback, (
        f"{stem}: the feedback shows lib's internal frames"
    )
    assert fn in feedback.split("AssertionError")[-1].split("</pre>")[0], (
        f"{stem}: the check's sentence does not name {fn}"
    )


@pytest.mark.parametrize("stem", STEMS)
def test_release_is_valid_nbgrader_worth_the_chapters_points(course, stem):
    """What autograding a reference submission proved per chapter, without running it:
    nbgrader accepts the release's metadata, and its check cells carry the chapter's
    grade ids and points (nbval proves the reference answers pass those checks)."""
    from nbgrader.nbgraderformat import ValidationError, read

    path = course[0] / "release" / stem / f"{stem}.ipynb"
    try:
        with open(path, encoding="utf-8") as f:
            student = read(f, as_version=4)  # validates nbgrader's cell metadata
    except ValidationError as exc:
        pytest.fail(f"{stem}: the release is not valid nbgrader: {exc}")
    exercises = coursework.exercises(CHAPTERS[STEMS.index(stem)])
    expected = {gid: points for e in exercises for gid, points in e.checks}
    got = {_meta(c)["grade_id"]: float(_meta(c)["points"])
           for c in student["cells"] if _meta(c).get("grade")}
    assert got == expected and sum(got.values()) > 0, f"{stem}: checks and points differ"
    answers = [_meta(c)["grade_id"] for c in student["cells"] if _meta(c).get("solution")]
    assert answers == [a for e in exercises for a in e.answers], stem


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _code_names(cell):
    """(global names bound, names read anywhere) by a code cell, IPython's magics turned
    into Python. A function's locals are not bound globals."""
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(cell.source))
    read = {n.id for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    bound, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            continue
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        todo.extend(ast.iter_child_nodes(node))
    return bound, read


@pytest.mark.parametrize("stem", STEMS)
def test_student_lesson_uses_no_name_only_an_answer_defines(course, stem):
    """What running the untouched student version proved per chapter (its lesson cells
    run while the answers are blank), read from the code: no lesson cell reads a name
    that only an answer cell binds. The blank answers' own checks are run in-process by
    tests/test_lib_checks.py, and end to end on FULL."""
    cells = load(course[0] / "release" / stem / f"{stem}.ipynb")["cells"]
    source = load(course[0] / "source" / stem / f"{stem}.ipynb")["cells"]
    # code cells pair one to one (the release drops markdown cells: solution dropdowns)
    code = list(zip([s for s in source if s["cell_type"] == "code"],
                    [c for c in cells if c["cell_type"] == "code"], strict=True))
    answer_names, lesson_bound = set(), set()
    for reference, _ in code:
        bound, _ = _code_names(reference)
        (answer_names if _meta(reference).get("solution") else lesson_bound).update(bound)
    only_answers = answer_names - lesson_bound
    for i, (_, cell) in enumerate(code):
        if _meta(cell):
            continue
        used = _code_names(cell)[1] & only_answers
        assert not used, (f"{stem}, code cell {i}: the lesson uses {sorted(used)}, which "
                          "only an answer defines: it fails in the student version")


@slow
def test_existing_release_is_kept_and_force_keeps_submissions(course, tmp_path, capsys,
                                                              monkeypatch):
    """In this process (tool.main, as `python -m tools.coursework` calls it; the
    `course` fixture runs the command itself): two interpreter starts fewer."""
    monkeypatch.chdir(ROOT)  # where run_tool runs it
    folder = tmp_path / "course"
    shutil.copytree(course[0], folder)
    stem = STEMS[0]
    release = folder / "release" / stem / f"{stem}.ipynb"
    release.write_text(release.read_text() + "\n")  # an instructor's edit, say
    before = release.read_bytes()
    submission = folder / "submitted" / "ada" / stem / f"{stem}.ipynb"
    submission.parent.mkdir(parents=True)
    submission.write_text("ada's work")

    capsys.readouterr()
    assert tool.main(["--root", str(folder), stem]) == 0
    kept = capsys.readouterr()
    assert "kept" in kept.out and "FORCE=1" in kept.out, kept.out + kept.err
    assert release.read_bytes() == before

    assert tool.main(["--root", str(folder), "--force", stem]) == 0
    forced = capsys.readouterr()
    assert "regenerating" in forced.out and "1 submission(s)" in forced.out, (
        forced.out + forced.err)
    assert release.read_bytes() != before
    assert submission.read_text() == "ada's work"


@pytest.mark.parametrize("bad", ["99", "relu", "chapters/nothing.ipynb"])
def test_unknown_chapter_is_refused_with_the_allowed_names(bad, tmp_path):
    # in this process: the refusal comes before anything is generated
    with pytest.raises(SystemExit) as refused:
        tool.main(["--root", str(tmp_path / "course"), bad])
    message = str(refused.value)
    assert f"CHAPTER {bad!r} is not a chapter" in message
    assert STEMS[0] in message
    assert not (tmp_path / "course").exists()


def _make_clean(folder, *args):
    return subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"),
                           "-C", str(folder), "clean", *args],
                          capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_clean_keeps_submissions_and_grades_unless_forced(tmp_path):
    work = tmp_path / "_build" / "coursework" / "submitted" / "ada"
    work.mkdir(parents=True)
    (tmp_path / "_build" / "html").mkdir()
    done = _make_clean(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "keeping _build/coursework" in done.stdout and "FORCE=1" in done.stdout
    assert work.is_dir() and not (tmp_path / "_build" / "html").exists()
    assert _make_clean(tmp_path, "FORCE=1").returncode == 0
    assert not (tmp_path / "_build").exists()
    (tmp_path / "_build" / "coursework" / "release").mkdir(parents=True)  # no student work
    assert _make_clean(tmp_path).returncode == 0
    assert not (tmp_path / "_build").exists()

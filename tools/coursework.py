"""`make coursework`: the chapters as nbgrader assignments, from the chapter notebooks.

For every chapter in _toc.yml (or the chapters named on the command line) it writes,
in the course folder (default _build/coursework, see nbgrader_config.py):

- source/NN_slug/    the chapter notebook, as nbgrader's source, and a copy of lib/ (the
                     helpers and checks the notebook imports), rewritten from chapters/
                     and lib/ at every generation: edit the chapter, never this copy;
- release/NN_slug/   the student version (nbgrader generate_assignment): solutions
                     replaced by `raise NotImplementedError()`, solution dropdowns and
                     hidden tests removed, outputs cleared, the lesson intact;
- solution/NN_slug/  the instructor's copy (nbgrader generate_solution): solutions,
                     hidden tests and the stored outputs.

An existing release is kept, never overwritten, and the command says so: it may already
be in students' hands. `--force` (make coursework FORCE=1) regenerates it. Submissions,
autograded notebooks, feedback and the gradebook are never touched.

Usage, from the repository's root: .venv/bin/python -m tools.coursework [--force] [--root DIR]
[CHAPTER ...]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import sys

from tools import book, exercises
from tools.book import ROOT

BIN = pathlib.Path(sys.executable).parent
DEFAULT_COURSE = ROOT / "_build" / "coursework"


def _rel(path: pathlib.Path) -> str:
    try:
        return str(path.relative_to(pathlib.Path.cwd()))
    except ValueError:
        return str(path)


def nbgrader(command: str, stem: str, course: pathlib.Path) -> None:
    """`nbgrader generate_assignment STEM --force` (or generate_solution) on the course
    folder, configured by the book's nbgrader_config.py as nbgrader's command line would
    be, but in this process: one nbgrader start for every chapter instead of two per
    chapter (each start costs seconds). nbgrader runs `alembic` by name when it creates
    the gradebook: the environment's bin/ goes first on PATH meanwhile."""
    from nbgrader.converters import GenerateAssignment, GenerateSolution
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log
    from traitlets.config.loader import PyFileConfigLoader

    converter = {"generate_assignment": GenerateAssignment,
                 "generate_solution": GenerateSolution}[command]
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    config.CourseDirectory.root = str(course)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = stem
    app = converter(coursedir=coursedir, config=config)
    app.force = True
    if command == "generate_assignment":
        app.create_assignment = True
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{path}"
    try:
        done = capture_log(app)
    finally:
        os.environ["PATH"] = path
    if not done["success"]:
        sys.stderr.write(done.get("log", "") + done.get("error", ""))
        raise SystemExit(f"coursework: `nbgrader {command} {stem} --force` failed "
                         "(see above)")


def resolve(names: list[str], available: list[pathlib.Path]) -> list[pathlib.Path]:
    """The chapters the command line names (NN_slug, a path, or NN), in book order."""
    if not names:
        return available
    by_stem = {p.stem: p for p in available}
    chosen = []
    for name in names:
        stem = pathlib.Path(name).stem
        matches = [p for s, p in by_stem.items() if s == stem or s.split("_")[0] == stem]
        if len(matches) != 1:
            raise SystemExit(
                f"coursework: CHAPTER {name!r} is not a chapter of the book; "
                f"allowed: {', '.join(by_stem)} (or their numbers)"
            )
        chosen.append(matches[0])
    return [p for p in available if p in chosen]


def write_source(chapter: pathlib.Path, course: pathlib.Path) -> pathlib.Path:
    """source/NN_slug/: the chapter notebook and lib/, freshly copied."""
    folder = course / "source" / chapter.stem
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copy2(chapter, folder / chapter.name)
    shutil.copytree(ROOT / "lib", folder / "lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return folder


def submissions(course: pathlib.Path, stem: str) -> list[str]:
    submitted = course / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(d.name for d in submitted.iterdir() if (d / stem).is_dir())


def generate(chapter: pathlib.Path, course: pathlib.Path, force: bool) -> bool:
    """Generate one chapter's assignment; False when an existing release was kept."""
    stem = chapter.stem
    release = course / "release" / stem
    source_copy = course / "source" / stem / chapter.name
    if release.exists() and not force:
        changed = (not source_copy.exists()
                   or source_copy.read_bytes() != chapter.read_bytes())
        print(f"kept     {_rel(release)}/: it exists and may be in students' hands"
              + (" (the chapter has changed since)" if changed else "")
              + "; `make coursework FORCE=1` regenerates it")
        return False
    if release.exists():
        print(f"FORCE=1: regenerating {_rel(release)}/ (the previous release is replaced)")
    others = submissions(course, stem)
    write_source(chapter, course)
    nbgrader("generate_assignment", stem, course)
    nbgrader("generate_solution", stem, course)
    graded = [e for e in exercises.exercises(chapter) if e.autograded]
    points = sum(e.points for e in graded)
    print(f"released {_rel(release / chapter.name)}: {len(graded)} autograded "
          f"exercise(s), {points:g} points; instructor's copy: "
          f"{_rel(course / 'solution' / stem / chapter.name)}")
    if others:
        print(f"         {len(others)} submission(s) in {_rel(course / 'submitted')} "
              "are kept as they are")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.coursework",
        description="Student versions and instructor's copies of the chapters (nbgrader).",
    )
    parser.add_argument("chapters", nargs="*", metavar="CHAPTER",
                        help="chapters to generate, e.g. 04_relu or 04 (default: all)")
    parser.add_argument("--force", action="store_true",
                        help="regenerate existing releases (they may be in students' hands)")
    parser.add_argument("--root", type=pathlib.Path, default=DEFAULT_COURSE,
                        help="the course folder (default: _build/coursework)")
    args = parser.parse_args(argv)
    course = args.root.resolve()
    if course.exists() and not course.is_dir():
        parser.error(f"--root {str(args.root)!r} exists and is not a folder")
    available = book.chapters(ROOT)
    if not available:
        raise SystemExit("coursework: _toc.yml lists no chapter notebook")
    chosen = resolve(args.chapters, available)
    course.mkdir(parents=True, exist_ok=True)
    made = sum(generate(chapter, course, args.force) for chapter in chosen)
    print(f"{made} of {len(chosen)} chapter(s) generated in {_rel(course)}/. "
          "Instructors: see the book's page 'Assigning the exercises'.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

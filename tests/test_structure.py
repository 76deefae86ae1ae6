"""The book's structure: the table of contents, the chapter notebooks' conventions
(CONTRIBUTING.md, "A chapter notebook" and "Exercises"), the two commands, the reader's
and the instructor's JupyterLab, and the contributor guide."""

from __future__ import annotations

import re
import tomllib

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools import book, exercises
from tools.book import CHAPTERS, ROOT, chapter_paths, notebook_paths
from tools.book import read_notebook as load
from tools.exercises import SOLUTION_TAG

ALLOWED_TAGS = {
    "hide-cell", "hide-input", "hide-output", "remove-cell", "remove-input",
    "nbval-ignore-output", "nbval-skip", "skip-execution", "raises-exception",
    SOLUTION_TAG,  # a solution dropdown's own cell: the student version drops it
}
MAX_BYTES = 5 * 1024 * 1024
# the chapters' line length, from its one source (chapters/ruff.toml, read by `make lint`)
MAX_LINE = tomllib.loads((CHAPTERS / "ruff.toml").read_text(encoding="utf-8"))["line-length"]
CHAPTER_NAME = re.compile(r"^\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")
NOTEBOOKS = chapter_paths()
ids = [p.name for p in NOTEBOOKS]
# the chapters and the chapter template (`make chapter` copies it): the template is held
# to every rule of a chapter's notebook except its name and its place in _toc.yml
RULED = notebook_paths()
ruled_ids = [p.relative_to(ROOT).as_posix() for p in RULED]


def toc_files():
    return book.toc_files(ROOT)


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_there_is_at_least_one_chapter():
    assert NOTEBOOKS, "chapters/ holds no notebook"


def test_every_chapter_is_in_the_toc_and_every_toc_entry_exists():
    listed = toc_files()
    for entry in listed:
        matches = [p for p in ROOT.glob(entry + ".*") if p.suffix in (".md", ".ipynb")]
        assert matches, f"_toc.yml lists {entry!r}, but no {entry}.md or {entry}.ipynb exists"
    chapters_in_toc = {e for e in listed if e.startswith("chapters/")}
    for path in NOTEBOOKS:
        assert f"chapters/{path.stem}" in chapters_in_toc, f"{path.name} is not in _toc.yml"
    assert len(listed) == len(set(listed)), "_toc.yml lists a file twice"


def test_config_builds_only_toc_files_from_stored_outputs():
    config = book.read_config()
    assert config["only_build_toc_files"] is True
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_chapter_file_name(path):
    assert CHAPTER_NAME.match(path.name), f"{path.name}: chapter files are NN_slug.ipynb"


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_notebook_size(path):
    size = path.stat().st_size
    assert size <= MAX_BYTES, f"{path.name} is {size / 2**20:.1f} MB, the limit is 5 MB"


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_stored_as_nbformat_writes_it(path):
    """The tools that rewrite a chapter (`make execute`, `make colab-cell`) write it with
    nbformat: a chapter stored in another layout would come back from them as a diff of
    every line."""
    text = path.read_text(encoding="utf-8")
    written = nbformat.writes(nbformat.reads(text, as_version=nbformat.NO_CONVERT))
    assert text == written + "\n", (
        f"{path.name} is not stored as nbformat writes it: open and save it with "
        "`jupyter nbconvert --to notebook --inplace`, or run `make execute`")


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_every_code_cell_executed_in_order(path):
    counts = [c["execution_count"] for c in code_cells(load(path)) if c.source.strip()]
    assert None not in counts, (
        f"{path.name}: {counts.count(None)} code cell(s) never executed: run `make execute`"
    )
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: cells were executed out of order ({counts}): run `make execute`"
    )


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_no_error_outputs_unless_tagged(path):
    for i, cell in enumerate(code_cells(load(path))):
        tags = cell["metadata"].get("tags", [])
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert not errors or "raises-exception" in tags, f"{path.name}: code cell {i} failed"


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_only_allowed_tags(path):
    for i, cell in enumerate(load(path)["cells"]):
        bad = set(cell["metadata"].get("tags", [])) - ALLOWED_TAGS
        assert not bad, (f"{path.name}, cell {i}: tags {sorted(bad)} are not in "
                         "CONTRIBUTING.md's list")


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_opens_with_title_then_colab_cell_then_hidden_setup_cell(path):
    cells = load(path)["cells"]
    assert cells[0]["cell_type"] == "markdown" and cells[0].source.startswith("# "), (
        f"{path.name}: the first cell must be the chapter's title (a '# ' heading)"
    )
    assert cells[1]["cell_type"] == "code" and cells[1].get("id") == "colab-install", (
        f"{path.name}: the cell after the title installs lib in Colab: run `make colab-cell`"
    )
    colab_tags = set(cells[1]["metadata"].get("tags", []))
    assert colab_tags == {"remove-cell", "nbval-skip"}, (
        f"{path.name}: the Colab cell is tagged remove-cell (not on the website) and "
        f"nbval-skip, got {sorted(colab_tags)}"
    )
    setup = code_cells(load(path))[1]
    assert "hide-cell" in setup["metadata"].get("tags", []), (
        f"{path.name}: the setup code cell (imports, seeding, style) must be tagged hide-cell"
    )
    src = setup.source
    assert "from lib" in src and "seed_everything(" in src and "use_style()" in src, (
        f"{path.name}: the setup code cell must import lib, seed and apply the book's style"
    )


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_code_conventions(path):
    for i, cell in enumerate(code_cells(load(path))):
        src = cell.source
        long = [line for line in src.splitlines() if len(line) > MAX_LINE]
        assert not long, f"{path.name}, code cell {i}: line over {MAX_LINE} characters: {long[0]!r}"
        assert "sys.path" not in src, f"{path.name}, code cell {i}: never patch sys.path"


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_ends_with_summary_and_exercises(path):
    text = "\n".join(c.source for c in load(path)["cells"] if c["cell_type"] == "markdown")
    assert "\n## Summary" in text, f"{path.name}: no '## Summary' section"
    assert "\n## Exercises" in text, f"{path.name}: no '## Exercises' section"
    assert text.index("## Summary") < text.index("## Exercises"), (
        f"{path.name}: the exercises come last, after the summary"
    )
    assert "{exercise}" in text and "{solution}" in text, (
        f"{path.name}: exercises use sphinx-exercise's exercise and solution directives"
    )


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_every_solution_dropdown_is_a_tagged_cell_of_its_own(path):
    """The student version (`make coursework`) drops the cells tagged solution-dropdown
    (nbgrader_config.py, nbconvert's TagRemovePreprocessor): a solution anywhere else
    would reach the students, and anything else in its cell would be lost to them."""
    for i, cell in enumerate(load(path).cells):
        where = f"{path.name}, cell {i}"
        tagged = SOLUTION_TAG in cell.metadata.get("tags", [])
        if cell.cell_type != "markdown":
            assert not tagged, f"{where}: only a markdown cell holds a solution dropdown"
            continue
        if "{solution}" in cell.source:
            assert tagged, (f"{where}: a solution directive in a cell not tagged "
                            f"{SOLUTION_TAG!r}: give each dropdown a markdown cell of its "
                            "own with that tag")
        if tagged:
            found = exercises.directives(cell.source)
            assert [d.name for d in found] == ["solution"], (
                f"{where}: a cell tagged {SOLUTION_TAG!r} holds one solution directive, "
                f"found {[d.name for d in found]}")
            start, end = found[0].lines
            lines = cell.source.split("\n")
            rest = [line for line in lines[:start] + lines[end:] if line.strip()]
            assert not rest, (f"{where}: a cell tagged {SOLUTION_TAG!r} holds nothing but "
                              f"its solution directive, found {rest[0]!r} besides")


def nbgrader_cells():
    for path in RULED:
        for i, cell in enumerate(load(path)["cells"]):
            if "nbgrader" in cell["metadata"]:
                yield path, i, cell


def test_nbgrader_metadata_is_valid_and_ids_unique():
    seen = {}
    for path, i, cell in nbgrader_cells():
        meta = cell["metadata"]["nbgrader"]
        where = f"{path.name}, cell {i}"
        assert meta.get("schema_version") == 3, f"{where}: schema_version must be 3"
        grade_id = meta.get("grade_id")
        assert grade_id and re.match(r"^[a-z0-9_]+$", grade_id), f"{where}: bad grade_id"
        assert grade_id not in seen, f"{where}: grade_id {grade_id!r} also in {seen[grade_id]}"
        seen[grade_id] = where
        src = cell.source
        assert cell["cell_type"] == "code", f"{where}: nbgrader cells here are code cells"
        assert bool(meta.get("solution")) != bool(meta.get("grade")), (
            f"{where}: a cell is either an answer (solution: true) or a check (grade: true)"
        )
        assert meta.get("task", False) is False, f"{where}: task cells are not used"
        if meta.get("solution"):
            assert meta.get("grade") is False and meta.get("locked") is False, (
                f"{where}: an answer cell has grade: false and locked: false"
            )
            assert "### BEGIN SOLUTION" in src and "### END SOLUTION" in src, where
            assert "hide-input" in cell["metadata"].get("tags", []), (
                f"{where}: answer cells are collapsed on the website (tag hide-input)"
            )
        if meta.get("grade"):
            points = meta.get("points")
            assert meta.get("solution") is False and meta.get("locked") is True, (
                f"{where}: a check cell has solution: false and locked: true"
            )
            assert isinstance(points, (int, float)) and not isinstance(points, bool) \
                and points > 0, f"{where}: points must be a positive number, got {points!r}"
            assert "checks." in src, f"{where}: a check cell calls a check from lib.checks"
    assert seen, "no exercise carries nbgrader metadata"


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_every_answer_cell_is_followed_by_its_check(path):
    cells = load(path)["cells"]
    for i, cell in enumerate(cells):
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            nxt = cells[i + 1]["metadata"].get("nbgrader", {}) if i + 1 < len(cells) else {}
            assert nxt.get("grade"), f"{path.name}, cell {i}: no check cell after the answer"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make book" in readme
    assert re.search(r"^make test$", ci, re.M), ".ci/run must call `make test`"


def _requirement_lines(path):
    """The requirement lines of a requirements file, comments and options left out."""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = "" if line.lstrip().startswith("#") else line.split(" #")[0].strip()
        if line and not line.startswith("-"):
            yield Requirement(line)


def test_requirements_are_pinned():
    """The lock, requirements.txt, pins every package at one version, holds every pin of
    requirements.in (so it was regenerated after the last edit there: `make lock`), and
    brings no CUDA: its torch dependencies are the CPU build's."""
    lock = {}
    for req in _requirement_lines(ROOT / "requirements.txt"):
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==" and not (req.url or req.marker), (
            f"requirements.txt: not pinned: {req}")
        lock[canonicalize_name(req.name)] = specs[0].version
    needed = {canonicalize_name(r.name): r.specifier for r in
              _requirement_lines(ROOT / "requirements.in")}
    stale = {name: str(spec) for name, spec in needed.items()
             if name not in lock or lock[name] not in spec}
    assert not stale, f"requirements.txt does not hold requirements.in's {stale}: make lock"
    cuda = sorted(name for name in lock if name.startswith("nvidia-") or name == "triton")
    assert not cuda, f"the lock would install CUDA on Linux: {cuda}"
    # a public version, which both the CPU build (+cpu) and PyPI's macOS and Windows
    # torch match; `make` asks PyTorch's CPU index for the +cpu one on Linux x86_64
    assert "+" not in lock["torch"], f"torch=={lock['torch']}: pin it without +cpu"
    assert len(lock) > 3 * len(needed), "the lock pins the dependencies too"


def test_chapters_folder_has_no_stray_files():
    stray = [p.name for p in CHAPTERS.iterdir()
             if p.suffix != ".ipynb" and not p.name.startswith(".") and p.name != "ruff.toml"]
    assert not stray, (f"chapters/ should hold only chapter notebooks (and ruff.toml, "
                       f"their line length), found {stray}")


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_no_stored_widget_view(path):
    """A stored ipywidgets view without its state shows "Error displaying widget: model
    not found" when the chapter is opened and trusted: the stored playground keeps its
    note only (tools/store_outputs.py, which `make execute` runs)."""
    from lib.widgets import WIDGET_VIEW

    views = [i for i, c in enumerate(load(path)["cells"])
             for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]
    assert not views, (f"{path.name}: cells {views} store a widget view; run "
                       f"`.venv/bin/python tools/store_outputs.py chapters/{path.name}` "
                       "(or `make execute`)")


def repository_text_files():
    """Every file a clone holds (what git tracks; without git, the tree minus the
    environment, the build and caches), as (relative path, text)."""
    import subprocess

    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                check=True, timeout=60).stdout.decode().split("\0")
        paths = [ROOT / name for name in listed if name]
    except (OSError, subprocess.SubprocessError):
        skip = {".git", ".venv", "_build", "__pycache__", ".pytest_cache", ".ruff_cache"}
        paths = [p for p in ROOT.rglob("*")
                 if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    for path in paths:
        if not path.is_file():
            continue  # deleted in the working tree, not yet committed
        try:
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def test_the_contributor_guide_is_in_the_repository_and_nothing_points_outside_it():
    guide = (ROOT / "CONTRIBUTING.md").read_text()
    for section in ("Architecture", "lib", "A chapter notebook", "Explorers",
                    "Claims that hold", "Exercises", "Performance budgets",
                    "Adding a chapter", "Tests and CI"):
        assert re.search(rf"^##+ .*{re.escape(section)}", guide, re.M), (
            f"CONTRIBUTING.md has no section on {section!r}")
    for module in sorted(p.stem for p in (ROOT / "lib").glob("[!_]*")  # packages too
                         if p.suffix == ".py" or (p / "__init__.py").is_file()):
        assert f"`{module}`" in guide, f"CONTRIBUTING.md does not describe lib.{module}"
    assert "CONTRIBUTING.md" in (ROOT / "README.md").read_text()
    outside = "DESIGN" + ".md"  # the founders' private notes, which a clone lacks
    pointing = [name for name, text in repository_text_files() if outside in text]
    assert not pointing, f"{pointing} point to {outside}, which is not in the repository"


# ---------------------------------------------------------------- coursework (nbgrader)
# nbgrader finds its regions by these words anywhere in a cell (CONTRIBUTING.md, "Exercises").
NBGRADER_MARKERS = (("BEGIN SOLUTION", "END SOLUTION"),
                    ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_nbgrader_markers_only_where_nbgrader_expects_them(path):
    for i, cell in enumerate(load(path)["cells"]):
        src, meta = cell.source, cell["metadata"].get("nbgrader", {})
        where = f"{path.name}, cell {i}"
        for begin, end in NBGRADER_MARKERS:
            if cell["cell_type"] != "code":
                assert begin not in src and end not in src, (
                    f"{where}: the text mentions {begin!r} or {end!r}; nbgrader would take "
                    "it for a solution or hidden-test region: describe it in other words"
                )
                continue
            lines = [line.strip() for line in src.splitlines() if begin in line or end in line]
            assert lines == [f"### {begin}", f"### {end}"] * (len(lines) // 2), (
                f"{where}: {begin!r} / {end!r} must come as '### ...' lines in pairs"
            )
        if "BEGIN SOLUTION" in src:
            assert meta.get("solution"), f"{where}: a solution region outside an answer cell"
        if "BEGIN HIDDEN TESTS" in src:
            assert meta.get("grade"), f"{where}: hidden tests outside a check cell"
        if re.search(r"^checks\.\w+\(", src, re.M):
            assert meta.get("grade"), f"{where}: a cell calling lib.checks is a check cell"


@pytest.mark.parametrize("path", RULED, ids=ruled_ids)
def test_every_chapter_can_be_assigned(path):
    found = exercises.exercises(path)  # raises on a graded cell before any exercise
    graded = [e for e in found if e.autograded]
    assert graded, f"{path.name}: no autograded exercise (answer cell + check cell)"
    for exercise in graded:
        assert exercise.answers, f"{path.name}, {exercise.label}: checks without an answer cell"


def test_instructors_page_is_generated_from_the_notebooks():
    page = (ROOT / "instructors.md").read_text()
    assert "```{coursework-exercises}" in page, "the table must come from the notebooks"
    files = toc_files()
    assert files.index("instructors") == files.index("bibliography") - 1
    for command in ("make coursework", "nbgrader autograde", "nbgrader generate_feedback",
                    "FORCE=1", ". .venv/bin/activate"):
        assert command in page, f"instructors.md does not show `{command}`"

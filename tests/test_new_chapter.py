"""`make chapter NAME=NN_slug` (tools/new_chapter.py): a new chapter from
templates/chapter.ipynb, listed in _toc.yml in the order of its number, and never an
overwrite. That the template itself keeps every structure rule is tested with the
chapters (tests/test_structure.py) and its outputs by nbval (`make test`)."""

from __future__ import annotations

import pathlib
import shutil

import nbformat
import pytest

from tools import colab_cell, new_chapter

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def book(tmp_path):
    """A copy of the parts of the book that the tool reads and writes."""
    for name in ("_toc.yml", "_config.yml", "templates/chapter.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "chapters").mkdir()
    for path in (ROOT / "chapters").glob("*.ipynb"):
        (tmp_path / "chapters" / path.name).write_text("{}", encoding="utf-8")
    return tmp_path


def _chapters_in_toc(root):
    return [line.split("chapters/")[1].strip()
            for line in (root / "_toc.yml").read_text().splitlines()
            if "- file: chapters/" in line]


def test_creates_the_chapter_in_its_place_with_its_own_ids(book):
    before = _chapters_in_toc(book)
    path = new_chapter.create("97_over_fit", "Overfitting", root=book)
    assert path == book / "chapters" / "97_over_fit.ipynb"
    assert _chapters_in_toc(book) == sorted(before + ["97_over_fit"])
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].source.startswith("# Overfitting\n")
    text = "\n".join(c.source for c in nb.cells)
    assert "ex-template-" not in text and ":label: ex-over-fit-relu" in text
    assert "{solution} ex-over-fit-bias" in text
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert ids == ["over_fit_relu_answer", "over_fit_relu_check"]
    url, branch = colab_cell.repository(book / "_config.yml")
    assert nb.cells[1].source == colab_cell.cell_source(url, branch)
    template = nbformat.read(book / "templates/chapter.ipynb", as_version=4)
    assert [c.get("outputs") for c in nb.cells] == [c.get("outputs") for c in template.cells]


def test_a_chapter_numbered_between_two_goes_between_them(book):
    toc = book / "_toc.yml"
    toc.write_text(toc.read_text().replace("      - file: chapters/03_", "      - file: "
                                           "chapters/99_later\n      - file: chapters/03_"))
    new_chapter.create("98_middle", root=book)
    listed = _chapters_in_toc(book)
    assert listed.index("98_middle") == listed.index("99_later") - 1


@pytest.mark.parametrize(("name", "words"), [
    ("6_x", "NAME must be NN_slug"),
    ("06-overfitting", "NAME must be NN_slug"),
    ("06_Overfitting", "NAME must be NN_slug"),
    ("../06_x", "NAME must be NN_slug"),
    ("04_another", "chapter number 04 is taken by chapters/04_"),
    ("05_dying_relu", "exists: it is left as it is"),
])
def test_refuses_and_changes_nothing(book, name, words):
    toc = (book / "_toc.yml").read_text()
    files = sorted(p.name for p in (book / "chapters").iterdir())
    with pytest.raises(ValueError, match=words):
        new_chapter.create(name, root=book)
    assert (book / "_toc.yml").read_text() == toc
    assert sorted(p.name for p in (book / "chapters").iterdir()) == files
    assert (book / "chapters" / "05_dying_relu.ipynb").read_text() == "{}"


def test_refuses_a_toc_entry_without_its_notebook(book):
    toc = book / "_toc.yml"
    extra = "chapters/05_dying_relu\n      - file: chapters/96_cnn\n"
    toc.write_text(toc.read_text().replace("chapters/05_dying_relu\n", extra))
    with pytest.raises(ValueError, match="already lists chapters/96_cnn"):
        new_chapter.create("96_cnn", root=book)
    assert not (book / "chapters" / "96_cnn.ipynb").exists()


@pytest.mark.parametrize("title", ["", "  ", "two\nlines"])
def test_refuses_a_title_that_is_not_one_line(book, title):
    with pytest.raises(ValueError, match="--title must be one non-empty line"):
        new_chapter.create("97_x", title, root=book)
    assert not (book / "chapters" / "97_x.ipynb").exists()


def test_command_line_names_the_missing_argument(capsys):
    with pytest.raises(SystemExit) as info:
        new_chapter.main([])
    assert info.value.code == 2
    assert "NAME is missing: make chapter NAME=NN_slug" in capsys.readouterr().err

"""The `coursework-exercises` directive: what each chapter's exercises ask and are worth,
read from the chapter notebooks at build time (tools.exercises), so the instructors' page
(instructors.md) cannot drift from the notebooks nbgrader grades.

For every chapter in _toc.yml: a line naming the chapter, its nbgrader assignment and its
points, then one row per exercise: a link to it, the first paragraph of its statement,
the check cells (nbgrader grade ids) with their points, and "not autograded" for the
questions answered in a solution dropdown.
"""

from __future__ import annotations

import pathlib
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from tools import book, exercises


def _cell(text: str) -> list[str]:
    """One list-table cell: its first line after '  - ', the rest indented under it."""
    lines = text.splitlines() or [""]
    return [f"  - {lines[0]}"] + [f"    {line}" for line in lines[1:]]


# a {doc} role, with or without a title: {doc}`target` or {doc}`title <target>`
_DOC = re.compile(r"\{doc\}`(?:(?P<title>[^`<]*)<)?(?P<target>[^`<>]+)>?`")


def absolute_doc_links(text: str, folder: str) -> str:
    """``text`` with its relative {doc} targets made absolute from ``folder`` (the
    chapter's folder, relative to the book's root): a statement links other chapters
    relative to its own page, and the table shows it on another page."""
    def absolute(match):
        title, target = match.group("title"), match.group("target").strip()
        if not target.startswith("/"):
            target = "/" + "/".join(part for part in (folder, target) if part)
        return f"{{doc}}`{title}<{target}>`" if title is not None else f"{{doc}}`{target}`"

    return _DOC.sub(absolute, text)


def chapter_markdown(path: pathlib.Path, root: pathlib.Path) -> list[str]:
    doc = path.relative_to(root).with_suffix("").as_posix()
    folder = path.parent.relative_to(root).as_posix().strip(".")
    found = exercises.exercises(path)
    graded = [e for e in found if e.autograded]
    points = sum(e.points for e in graded)
    lines = [
        f"{{doc}}`/{doc}`: assignment `{path.stem}`, {len(graded)} autograded "
        f"exercise{'s' if len(graded) != 1 else ''} worth {points:g} points, and "
        f"{len(found) - len(graded)} answered in writing.",
        "",
        ":::{list-table}",
        ":header-rows: 1",
        ":widths: 14 48 26 12",
        "",
        "* - Exercise",
        "  - What it asks",
        "  - Check cells (points)",
        "  - Points",
    ]
    for exercise in found:
        if exercise.autograded:
            cells = ", ".join(f"`{gid}` ({p:g})" for gid, p in exercise.checks)
            worth = f"{exercise.points:g}"
        else:
            cells, worth = "not autograded: solution in the book", "\u2014"
        summary = absolute_doc_links(exercise.summary, folder)
        lines += (["* - " + f"{{ref}}`{exercise.label}`"] + _cell(summary)
                  + _cell(cells) + _cell(worth))
    return lines + [":::", ""]


class CourseworkExercises(SphinxDirective):
    has_content = False

    def run(self):
        root = pathlib.Path(self.env.srcdir)
        lines: list[str] = []
        total = 0.0
        try:
            chapters = book.chapters(root)
            for path in chapters:
                self.env.note_dependency(str(path))
                lines += chapter_markdown(path, root)
                total += sum(e.points for e in exercises.exercises(path))
        except (ValueError, TypeError) as exc:  # a broken _toc.yml or chapter notebook
            raise ExtensionError(f"coursework_table: {exc}") from None
        lines.append(f"In all: {len(chapters)} chapters, {total:g} points.")
        container = nodes.container(classes=["coursework-exercises"])
        self.state.nested_parse(StringList(lines, source="coursework-exercises"),
                                self.content_offset, container)
        return [container]


def setup(app):
    app.add_directive("coursework-exercises", CourseworkExercises)
    # the directive reads the notebooks into its own document's nodes and notes them as
    # that document's dependencies: nothing shared between processes
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

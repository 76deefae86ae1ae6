# nbgrader's configuration for assigning the book's chapters as coursework.
#
# Run every nbgrader command from the repository's root folder (where this file is), with
# the book's environment: `.venv/bin/nbgrader autograde 04_relu`. The course folder is
# _build/coursework; `make coursework` fills its source/ from chapters/ (the chapter
# notebooks are the one source: nobody edits a copy) and writes release/ (student
# versions) and solution/ (the instructor's copy). The instructors' page of the book
# (instructors.md) walks through the whole cycle.
import os

from nbconvert.preprocessors import TagRemovePreprocessor
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearMarkScheme, IncludeHeaderFooter, LockCells

c = get_config()  # noqa: F821 (nbgrader's config loader defines get_config)

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "relu-dropout"
c.CourseDirectory.root = os.path.join(HERE, "_build", "coursework")
# `nbgrader export` writes the grades into the course folder, not the repository's root
# (a command given another --CourseDirectory.root passes --ExportPlugin.to as well)
c.ExportPlugin.to = os.path.join(HERE, "_build", "coursework", "grades.csv")

# The chapters' cells train small networks and precompute explorers: a cell can take
# longer than nbgrader's default of 30 s on a busy 2-core machine.
c.Execute.timeout = 600

# The student version keeps every exercise's statement but not the sphinx-exercise
# solution dropdowns that follow them on the website (they hold the answers). Each
# dropdown is a markdown cell of its own tagged solution-dropdown (a structure test holds
# the chapters to it): nbconvert's TagRemovePreprocessor drops those cells.
c.TagRemovePreprocessor.enabled = True
c.TagRemovePreprocessor.remove_cell_tags = {"solution-dropdown"}
c.GenerateAssignment.preprocessors = [
    *GenerateAssignment.class_traits()["preprocessors"].default(),
    TagRemovePreprocessor,
]

# The instructor's copy (nbgrader generate_solution): the chapter with its solutions,
# hidden tests and the outputs nbval validated, cells locked as in the student version.
# Without this, nbgrader would clear the outputs and run the whole chapter again.
c.GenerateSolution.preprocessors = [IncludeHeaderFooter, LockCells, ClearMarkScheme]

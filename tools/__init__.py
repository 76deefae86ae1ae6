"""The book's tooling: what builds, checks, benchmarks and assigns the book, never what a
reader's kernel imports (that is ``lib``).

Nothing here ships to readers: ``pyproject.toml`` packages ``lib`` only, so Binder,
Colab and the student release never see this package. It is importable from the
repository's root folder, where every tool runs: ``python -m tools.NAME`` (the Makefile),
pytest (``pythonpath = ["."]`` in ``pyproject.toml``), Sphinx (``_config.yml`` names the
root as the folder of the book's extensions) and nbgrader (run from the root, where
``nbgrader_config.py`` is).

- ``book``: where the book's files are, its notebooks read with nbformat, and the
  table of contents read with sphinx-external-toc (the one reader of ``_toc.yml``);
- ``exercises``: each chapter's exercises and points, read from its notebook;
- ``browser``: Debian's Chromium driven by Playwright, a local server for the built site;
- ``sphinx_ext``: the book's Sphinx extensions;
- the commands ``bench``, ``colab_cell``, ``coursework``, ``new_chapter`` and
  ``store_outputs``.
"""

"""The book's Sphinx extensions, each named in ``_config.yml``'s ``local_extensions`` with
the repository's root as its folder (Jupyter Book puts that folder on the build's path):
``offline_mathjax``, ``dedupe_scripts``, ``lean_theme``, ``launch_links``,
``coursework_table``, ``quiet_exercises``, ``lazy_explorers`` and ``defer_scripts``."""

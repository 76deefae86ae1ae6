"""The book's Sphinx extensions, each named in ``_config.yml``'s ``local_extensions`` with
the repository's root as its folder (Jupyter Book puts that folder on the build's path):
``mathml``, ``math_font``, ``dedupe_scripts``, ``lean_theme``, ``launch_links``,
``coursework_table``, ``quiet_exercises``, ``lazy_explorers``, ``defer_scripts``,
``accessible_theme``, ``one_stylesheet``, ``lazy_tab_stops``, ``lazy_images``
and ``static_copybuttons``.
:func:`rewrite_pages` is what the extensions that edit the written pages share, and
:func:`built_file` what those that patch a file of the built site share."""

from __future__ import annotations

import pathlib
from collections.abc import Callable


def rewrite_pages(app, exception, transform: Callable[..., str],
                  with_path: bool = False) -> int | None:
    """At build-finished: every written .html page of an html build, replaced by
    ``transform(text)`` (``transform(text, path)`` with ``with_path``, ``path`` the
    page's path relative to the site) where that differs. Returns how many pages
    changed, or None when there is nothing to do (the build failed, or it is not an
    html build)."""
    if exception is not None or app.builder.format != "html":
        return None
    changed = 0
    site = pathlib.Path(app.outdir)
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = transform(text, page.relative_to(site)) if with_path else transform(text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def built_file(app, exception, name: str) -> pathlib.Path | None:
    """At build-finished: the file ``name`` (a path relative to the site) of an html
    build, or None when there is nothing to patch (the build failed, it is not an html
    build, or the site has no such file)."""
    if exception is not None or app.builder.format != "html":
        return None
    path = pathlib.Path(app.outdir) / name
    return path if path.exists() else None

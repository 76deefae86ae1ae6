"""The rules of the theme's CSS frameworks that no page can use, left out of the bundle.

Used by tools/sphinx_ext/one_stylesheet.py when it writes the site's stylesheet bundle.

pydata-sphinx-theme's stylesheet carries all of Bootstrap 5 (312 kB, most of it utility
classes such as ``.mt-5`` or ``.flex-lg-row``) and sphinx-design's carries every ``sd-``
utility: 367 kB of the 468 kB stylesheet bundle (tools/sphinx_ext/one_stylesheet.py)
that every page waits for before its first paint, and thousands of rules the browser
matches against a chapter's 12,000 elements at every style recalculation. A rule is left
out of a bundle when none of its selectors can match: a selector names a class or an id
that no written page and no script of the site contains, as a word. Scripts count
because they add classes (Bootstrap's ``show``, the theme's ``pst-...``) to the pages;
a word ending in a hyphen stands for every name it begins (a script's ``"bs-tooltip-" +
placement``); what follows a colon (``:hover``, ``:not(.x)``) and attribute tests are not
looked at, so a rule is kept whenever a page or a script could make it apply. Only the files of
:data:`PURGED` are filtered; every other stylesheet (the notebook outputs' and Thebe's,
whose live cells bring markup from a server) goes into the bundle whole.
"""

from __future__ import annotations

import pathlib
import re

import tinycss2

#: the stylesheets filtered (paths relative to the site)
PURGED = ("_static/styles/pydata-sphinx-theme.css", "_static/sphinx-design.min.css")
WORD = re.compile(r"[A-Za-z_][\w-]*")
NAMED = re.compile(r"[.#](-?[A-Za-z_][\w-]*)")
#: a pseudo-class or pseudo-element, with its argument (innermost first)
PSEUDO = re.compile(r"::?[\w-]+(?:\([^()]*\))?")
ATTRIBUTE = re.compile(r"\[[^\]]*\]")
GROUPS = ("media", "supports", "layer", "container")


def site_words(site: pathlib.Path) -> set[str]:
    """Every word of the written pages and the scripts of ``site`` (a built site)."""
    words: set[str] = set()
    for path in [*site.rglob("*.html"), *site.rglob("*.js")]:
        words.update(WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    return words


def may_match(selectors: str, words: set[str]) -> bool:
    """Whether one of ``selectors`` (a rule's comma-separated selector list) names only
    classes and ids found in ``words``."""
    if "\\" in selectors:  # an escaped name: not worth parsing, kept
        return True
    text = ATTRIBUTE.sub("", selectors)
    while True:
        bare = PSEUDO.sub("", text)
        if bare == text:
            break
        text = bare
    return any(all(_used(name, words) for name in NAMED.findall(one))
               for one in text.split(","))


def _used(name: str, words: set[str]) -> bool:
    """Whether the class or id ``name`` is a word of the site, or may be made by a script
    from a word ending in a hyphen (Bootstrap's tooltips are `bs-tooltip-${placement}`)."""
    return name in words or any(name[:i + 1] in words
                                for i, c in enumerate(name) if c == "-" and i > 1)


def purge(css: str, words: set[str]) -> str:
    """``css`` without the style rules none of whose selectors may match (above), and
    without the @media, @supports, @layer and @container blocks left empty; every
    other at-rule (@font-face, @keyframes, ...) is kept."""
    def rules(items) -> list[str]:
        out = []
        for rule in items:
            if rule.type == "qualified-rule":
                if may_match(tinycss2.serialize(rule.prelude), words):
                    out.append(rule.serialize())
            elif (rule.type == "at-rule" and rule.lower_at_keyword in GROUPS
                  and rule.content is not None):
                inner = rules(tinycss2.parse_rule_list(rule.content))
                if inner:
                    out.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}"
                               "{" + "\n".join(inner) + "}")
            elif rule.type not in ("whitespace", "comment"):
                out.append(rule.serialize())
        return out

    return "\n".join(rules(tinycss2.parse_stylesheet(css))) + "\n"

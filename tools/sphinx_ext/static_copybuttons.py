"""Code blocks' copy buttons written into the pages, not added by a script on a phone.

sphinx-copybutton's script numbers every code block of a page (``div.highlight pre``:
a chapter's code cells and printed outputs, about a hundred) and inserts a button with
its icon after each one, one HTML parse per block; on a chapter page that is one task of
about 100 ms of a laptop's CPU and 390 ms of the slowed phone CPU Lighthouse simulates,
after the first paint, while the reader starts scrolling. The written pages now carry
the same markup the script would insert (the block's id ``codecellN``, then the button:
the script's own icon and words, read from the site's copy of it), and the script,
patched in the built site, leaves a block that has its button alone. Copying works as
before: ClipboardJS listens for clicks on ``.copybtn`` anywhere on the page. The written
pages are rewritten once, after the build.
"""

from __future__ import annotations

import re

from sphinx.util import logging

from tools.sphinx_ext import built_file, rewrite_pages

SCRIPT = "_static/copybutton.js"
#: a code block as the script selects it (``div.highlight pre``), as Pygments writes it
BLOCK = re.compile(r'<div class="highlight"><pre(?P<attrs>[^>]*)>')
#: the line of the script's loop over the blocks, and the guard it gets
LOOP = "codeCells.forEach((codeCell, index) => {"
GUARD = (LOOP + "\n    // the page was written with this block's button (static_copybuttons)\n"
         "    if (codeCell.nextElementSibling &&"
         " codeCell.nextElementSibling.classList.contains('copybtn')) return")
logger = logging.getLogger(__name__)


def button_markup(script: str) -> str | None:
    """The button the script inserts after a block, as a template with ``{id}`` (the
    English words, the book's language), or None if the script is not as
    sphinx-copybutton 0.5 wrote it."""
    words = re.search(r"'en': \{\s*'copy': '([^']*)',\s*'copy_to_clipboard': '([^']*)'",
                      script)
    icon = re.search(r"iconCopy = `(<svg.*?</svg>)`", script, re.S)
    if not words or not icon or LOOP not in script:
        return None
    svg = icon.group(1).replace("${messages[locale]['copy_to_clipboard']}", words.group(2))
    if "${" in svg:
        return None
    return (f'<button class="copybtn o-tooltip--left" data-tooltip="{words.group(1)}" '
            f'data-clipboard-target="#{{id}}">{svg}</button>')


def with_buttons(html: str, button: str) -> str:
    """``html`` with every code block numbered in page order and followed by its copy
    button (as it is if it already has them)."""
    if 'data-clipboard-target="#codecell' in html:
        return html
    out, last, index = [], 0, 0
    for match in BLOCK.finditer(html):
        end = html.find("</pre>", match.end())
        if end < 0:
            break
        attrs = re.sub(r'\s+id="[^"]*"', "", match.group("attrs"))
        cid = f"codecell{index}"
        out.append(html[last:match.start()])
        out.append(f'<div class="highlight"><pre id="{cid}"{attrs}>')
        out.append(html[match.end():end + len("</pre>")])
        out.append(button.replace("{id}", cid))
        last = end + len("</pre>")
        index += 1
    out.append(html[last:])
    return "".join(out)


def patch(script: str) -> str:
    """The script with its loop skipping blocks that have their button."""
    return script if GUARD in script else script.replace(LOOP, GUARD, 1)


def rewrite(app, exception):
    path = built_file(app, exception, SCRIPT)
    if path is None:
        return
    script = path.read_text(encoding="utf-8")
    button = button_markup(script)
    if button is None:
        logger.warning("static_copybuttons: %s is not as sphinx-copybutton 0.5 wrote it "
                       "(its English words, its icon or its loop over the code blocks "
                       "moved): update tools/sphinx_ext/static_copybuttons.py", SCRIPT)
        return
    path.write_text(patch(script), encoding="utf-8")
    changed = rewrite_pages(app, exception, lambda text: with_buttons(text, button))
    logger.info("static_copybuttons: copy buttons written into %d pages", changed)


def setup(app):
    app.connect("build-finished", rewrite)
    # the written pages and one file of the built site, rewritten once (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

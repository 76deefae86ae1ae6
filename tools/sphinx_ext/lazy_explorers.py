"""An explorer's frames after the first leave the page, and load when it is reached.

A notebook's explorer (lib.explorer) is self-contained: every frame is a data URI in its
JSON, so it works in JupyterLab and offline. On the website that puts every frame of
every explorer in the chapter's HTML (0.5-1.2 MB), which a phone downloads before it
shows anything. This extension rewrites each explorer of a written page: its first frame
stays in the ``<img>``, the others move to a file of the site,
``_explorer/<hash of the frames>.js``, named in the explorer's JSON (``key``, ``src``).
lib.explorer's own script, unchanged, loads that file (a ``<script>`` element, so it also
works when the site is opened from disk) once the explorer comes within a screen of the
viewport, or as soon as a reader touches or focuses a control. Once loaded, frames are
swapped from memory as before. Controls move at once; the image follows when the frames
arrive.

The notebooks' stored outputs are not changed. An explorer whose script is not the one
lib.explorer writes today (a chapter executed with another version of lib) is a
warning, and so fails the book's strict build: `make execute` writes it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import tempfile

from sphinx.util import logging

from lib import explorer

FOLDER = "_explorer"
logger = logging.getLogger(__name__)

#: one explorer as lib.explorer writes it: its id, its JSON and its script
BLOCK = re.compile(
    r'<script type="application/json" class="lib-explorer-data">(?P<payload>[^<]*)</script>'
    r"<script>(?P<script>.*?)</script></div>", re.S)
ID = re.compile(r'<div id="(explorer-[0-9a-f]+-\d+)" class="lib-explorer"')


def frames_file(frames: list[str]) -> tuple[str, str]:
    """(key, text) of the file holding ``frames`` (data URIs): the key is a hash of them."""
    body = json.dumps(frames, ensure_ascii=True)
    key = hashlib.sha256(body.encode("ascii")).hexdigest()[:20]
    return key, f'libExplorerFrames("{key}",{body});\n'


def _json_in_script(value) -> str:
    """JSON that cannot close its ``<script>`` element (as lib.explorer escapes it)."""
    return (json.dumps(value, ensure_ascii=True).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


def _write(path: pathlib.Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it is there: its name is its content's hash, and
    pages written in parallel may write it at once (a rename is atomic)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)
    os.replace(tmp, path)


def split(body: str, url_of, outdir: pathlib.Path, pagename: str = "") -> tuple[str, int]:
    """``body`` with every explorer split (module docstring), and how many were. ``url_of``
    gives the page's relative address of a file of the site (Sphinx's ``pathto``)."""
    count = 0
    pieces, end = [], 0
    for match in ID.finditer(body):
        uid = match.group(1)
        block = BLOCK.search(body, match.end())
        if block is None or block.group("script") != explorer._SCRIPT.replace("UID", uid):
            logger.warning(
                "lazy_explorers: %s: explorer %s was not written by this version of "
                "lib.explorer (its script differs): `make execute` writes it again",
                pagename, uid, location=pagename)
            continue
        data = json.loads(block.group("payload"))
        frames = data.pop("frames")
        key, text = frames_file(frames[1:])
        _write(outdir / FOLDER / f"{key}.js", text)
        data.update(key=key, src=url_of(f"{FOLDER}/{key}.js"))
        pieces += [body[end:block.start()],
                   '<script type="application/json" class="lib-explorer-data">'
                   f"{_json_in_script(data)}</script>"
                   f"<script>{block.group('script')}</script></div>"]
        end = block.end()
        count += 1
    pieces.append(body[end:])
    return "".join(pieces), count


def rewrite(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if app.builder.format != "html" or not body or 'class="lib-explorer"' not in body:
        return
    pathto = context["pathto"]
    context["body"], _ = split(body, lambda name: pathto(name, 1),
                               pathlib.Path(app.outdir), pagename)


def setup(app):
    app.connect("html-page-context", rewrite)
    # each page's explorers are rewritten from that page's context alone, and their
    # frames' files are named by their content and written atomically
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

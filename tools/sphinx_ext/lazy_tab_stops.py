"""The theme's scan for scrollable code does not lay out the code a phone has not shown.

pydata-sphinx-theme makes every scrollable code block and output focusable (tabindex 0,
so a keyboard user can scroll it) by reading each one's scroll and client widths: at
the load event, on every resize and after every change under the page's main element.
_static/book.css has the browser skip code cells' inputs
and printed outputs until they near the screen (``content-visibility: auto``); reading
a skipped block's widths lays it out there and then, so the scan alone cost a chapter a
long task of seconds on a phone's CPU.

The theme's script is patched, in the built site, to ask :data:`SCRIPT` (inline in
every page's head) first. A block inside a region the browser skips gets its tabindex
from its text: its longest line, in the code font's character width, against the
region's width less the block's padding, which the browser knows without laying the
code out; a line within two characters of the edge counts as too long, so a block that
scrolls is never left out of the Tab order. It gets its exact one, measured as the
theme does, when its region is shown (the ``contentvisibilityautostatechange`` event).
Blocks already shown are left to the theme. A theme whose script no longer has the scan
as this module knows it is a warning, which fails the book's strict build.
"""

from __future__ import annotations

from sphinx.util import logging

from tools.sphinx_ext import built_file

THEME_SCRIPT = "_static/scripts/pydata-sphinx-theme.js"
#: the scan's loop in pydata-sphinx-theme 0.17's built script, and what it becomes
SCAN = ".forEach(e=>{e.tabIndex=e.scrollWidth>e.clientWidth||"
PATCHED = SCAN.replace("{", "{if(window.bookTabStops&&bookTabStops.skipped(e))return;", 1)
#: the regions _static/book.css gives ``content-visibility: auto``
REGIONS = "div.cell div.cell_input, div.cell_output > div.output.stream"
logger = logging.getLogger(__name__)

SCRIPT = """(function () {
var REGIONS = "SELECTOR";
var shown = new WeakSet(), ch = 0, inset = {};
function measure(el) {
  el.tabIndex = el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight ? 0 : -1;
}
function estimate(el, region) {
  if (el === region) { return -1; }  // its code block scrolls, not the region itself
  var kind = region.classList.contains("cell_input") ? "input" : "output";
  if (!(kind in inset)) {  // the code font's width and the block's padding and border
    var style = getComputedStyle(el);
    var context = document.createElement("canvas").getContext("2d");
    context.font = style.fontSize + " " + style.fontFamily;
    ch = ch || context.measureText("0").width || 0.6 * parseFloat(style.fontSize);
    inset[kind] = ["paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth"]
      .reduce(function (sum, side) { return sum + (parseFloat(style[side]) || 0); }, 0);
  }
  var longest = Math.max.apply(null, el.textContent.split("\\n").map(function (line) {
    return line.length;
  }));
  return (longest + 2) * ch > region.clientWidth - inset[kind] ? 0 : -1;
}
document.addEventListener("contentvisibilityautostatechange", function (event) {
  var region = event.target;
  if (event.skipped) { shown.delete(region); return; }
  shown.add(region);
  if (region.matches(".cell_output > .output")) { measure(region); }
  region.querySelectorAll("pre").forEach(measure);
}, true);
window.bookTabStops = {skipped: function (el) {
  var region = el.closest(REGIONS);
  if (!region || shown.has(region)) { return false; }
  el.tabIndex = estimate(el, region);
  return true;
}};
})();""".replace("SELECTOR", REGIONS)


def patch(text: str) -> str | None:
    """The theme's script ``text`` with its scan patched (as it is if it already is),
    or None if the scan is not in it."""
    if PATCHED in text:
        return text
    if text.count(SCAN) != 1:
        return None
    return text.replace(SCAN, PATCHED)


def patch_theme(app, exception):
    path = built_file(app, exception, THEME_SCRIPT)
    if path is None:
        return
    text = path.read_text(encoding="utf-8")
    new = patch(text)
    if new is None:
        logger.warning("lazy_tab_stops: %s has no scan for scrollable blocks as "
                       "pydata-sphinx-theme 0.17 wrote it: update SCAN in "
                       "tools/sphinx_ext/lazy_tab_stops.py", THEME_SCRIPT)
    elif new != text:
        path.write_text(new, encoding="utf-8")


def add_script(app):
    # inline, in the head: defined before the theme's scan first runs (at the load event)
    app.add_js_file(None, body=SCRIPT, priority=100)


def setup(app):
    app.connect("builder-inited", add_script)
    app.connect("build-finished", patch_theme)
    # one file of the built site, patched once after the whole build (build-finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

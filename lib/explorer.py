"""Explorers: the book's interactive figures, with sliders that work without a kernel.

Introduced in chapter "Sigmoid and the vanishing gradient" and used by every chapter's
interactive figures. One call::

    explore(plot_fn, depth=[2, 4, 8, 16], activation=["sigmoid", "tanh", "relu"])

calls ``plot_fn(depth=..., activation=...)`` once per combination of the values (in
``itertools.product`` order: the last parameter varies fastest), saves each returned
matplotlib Figure as a PNG and closes it. The returned :class:`Explorer` displays as a
self-contained block of HTML: the figure, one labelled control per parameter (a slider
for numbers, a drop-down list for strings) and a few lines of plain JavaScript that swap
in the precomputed frame. No kernel, no ipywidgets, no external script: it works on the
website, in JupyterLab (once the notebook is trusted, or the cell has run) and offline.
The controls start disabled, with a line under them ("Run this cell, or trust the
notebook, to use the sliders."): the script enables them and removes the line, so a
reader of an untrusted notebook, where it does not run, learns why nothing moves.
CONTRIBUTING.md, section "Explorers", has the measurements behind this design.

Caching: :func:`explore` remembers the frames it rendered, for the rest of the Python
session, keyed by plot_fn's name and bytecode, its closure, defaults and the globals it
reads (by value for numbers and strings, by identity for anything else), the grid and
matplotlib's rcParams. Running the same call again, e.g. re-running a notebook cell,
does no recomputation. An object that plot_fn reads and that is changed *in place*
(a list appended to, an array edited) is not noticed: call :func:`clear_cache` then.
The cache keeps the last :data:`CACHE_SIZE` grids, and the objects of their keys alive.
"""

from __future__ import annotations

import base64
import collections
import functools
import hashlib
import html
import io
import itertools
import json
import math
import numbers
import struct
import time
import types

from lib import _validate

#: Frames whose PNGs :func:`explore` keeps (least recently used ones are dropped first).
CACHE_SIZE = 32

_CACHE: collections.OrderedDict = collections.OrderedDict()
# how many times each (plot_fn name, grid) has been rendered as HTML: the occurrence index
# that keeps two explorers of the same function and grid on one page apart
_RENDERED: collections.Counter = collections.Counter()


def clear_cache() -> None:
    """Forget every frame :func:`explore` rendered, and restart the numbering of the
    explorers' HTML ids: the next explorer renders exactly as in a fresh kernel."""
    _CACHE.clear()
    _RENDERED.clear()


class Explorer:
    """A precomputed interactive figure; made by :func:`explore`, not directly.

    Attributes: ``params`` (dict: parameter name -> tuple of its values), ``frames``
    (list of PNG bytes in ``itertools.product`` order over ``params``), ``frame_count``,
    ``precompute_seconds`` (time spent rendering the frames; for a cached call, the time
    the first call took), ``from_cache`` (True when no frame had to be rendered) and
    ``size`` (width, height of every frame in pixels).
    """

    def __init__(self, params, frames, *, name, alt, size, precompute_seconds, from_cache):
        self.params = dict(params)
        self.frames = list(frames)
        self.size = size
        self.precompute_seconds = float(precompute_seconds)
        self.from_cache = bool(from_cache)
        self._alt = alt
        grid = [(k, [(type(v).__name__, v) for v in vs]) for k, vs in self.params.items()]
        self._key = hashlib.sha256(repr((name, grid)).encode()).hexdigest()[:12]

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    def alt_text(self, index: int) -> str:
        """The alt text of frame ``index``: the alt prefix and every parameter's value."""
        index = _validate.integer("index", index, low=0, high=self.frame_count - 1)
        values = _combination(self.params, index)
        return f"{self._alt}: " + ", ".join(f"{k} = {_label(v)}" for k, v in values.items())

    def __repr__(self) -> str:
        grid = ", ".join(f"{k} = {list(vs)!r}" for k, vs in self.params.items())
        return f"Explorer: {self.frame_count} frames over {grid}"

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self)}
        wanted = (include is None or "text/html" in include) and not (
            exclude and "text/html" in exclude)
        if wanted:
            bundle["text/html"] = self._html()
        if include is not None:
            bundle = {k: v for k, v in bundle.items() if k in include}
        if exclude:
            bundle = {k: v for k, v in bundle.items() if k not in exclude}
        return bundle

    def _html(self) -> str:
        uid = f"explorer-{self._key}-{_RENDERED[self._key]}"
        _RENDERED[self._key] += 1
        names = list(self.params)
        labels = [[_label(v) for v in self.params[k]] for k in names]
        data = {
            "sizes": [len(self.params[k]) for k in names],
            "labels": labels,
            "alts": [self.alt_text(i) for i in range(self.frame_count)],
            "frames": [_data_uri(png) for png in self.frames],
        }
        # JSON inside <script>: escape <, > and & so no value can close the element
        payload = (json.dumps(data, ensure_ascii=True).replace("<", "\\u003c")
                   .replace(">", "\\u003e").replace("&", "\\u0026"))
        esc = functools.partial(html.escape, quote=True)
        controls = []
        for k, name in enumerate(names):
            cid = f"{uid}-p{k}"
            common = (f'id="{cid}" data-param="{k}" aria-label="{esc(name)}" '
                      "data-lm-suppress-shortcuts disabled")
            if isinstance(self.params[name][0], str):
                options = "".join(
                    f'<option value="{i}"{" selected" if i == 0 else ""}>{esc(text)}</option>'
                    for i, text in enumerate(labels[k]))
                control = f'<select {common} style="font:inherit">{options}</select>'
            else:
                control = (
                    f'<input type="range" {common} min="0" max="{len(labels[k]) - 1}" '
                    f'step="1" value="0" aria-valuetext="{esc(labels[k][0])}" '
                    'style="width:9em;vertical-align:middle">'
                    f'<output for="{cid}" data-output="{k}" '
                    'style="display:inline-block;min-width:3.5em;'
                    f'font-variant-numeric:tabular-nums">{esc(labels[k][0])}</output>')
            controls.append(
                '<span style="display:inline-flex;align-items:center;gap:0.4em">'
                f'<label for="{cid}" style="font-weight:600">{esc(name)}</label>'
                f"{control}</span>")
        width, height = self.size
        kinds = {isinstance(vs[0], str) for vs in self.params.values()}
        what = {frozenset({False}): "sliders", frozenset({True}): "menus"}.get(
            frozenset(kinds), "sliders and menus")
        return (
            f'<div id="{uid}" class="lib-explorer" style="max-width:{width}px;margin:0.5em 0">'
            f'<img src="{data["frames"][0]}" alt="{esc(data["alts"][0])}" width="{width}" '
            f'height="{height}" data-frame="0" style="display:block;max-width:100%;height:auto">'
            '<div class="lib-explorer-controls" style="display:flex;flex-wrap:wrap;'
            'gap:0.4em 1.6em;align-items:center;margin-top:0.4em">'
            f'{"".join(controls)}</div>'
            # shown while the controls are disabled, i.e. until the script below runs (an
            # untrusted notebook does not run it): the reader learns why, and what to do
            # (a div: JupyterLab's sanitizer keeps a div's class, not a p's)
            '<div class="lib-explorer-hint" style="margin:0.3em 0 0;font-size:90%;'
            f'font-style:italic">Run this cell, or trust the notebook, to use the {what}.</div>'
            f'<script type="application/json" class="lib-explorer-data">{payload}</script>'
            f"<script>{_SCRIPT.replace('UID', uid)}</script>"
            "</div>"
        )


# Runs once per explorer; touches only elements inside its own wrapper div. A notebook's
# explorer holds every frame in its JSON. The website's holds only the first: the book's
# build (tools/sphinx_ext/lazy_explorers.py) moves the others to a file of the site, named
# in the JSON's "src", which this script loads once the explorer comes within a screen of
# the viewport or a reader touches it; that file hands the frames over through the one
# global function libExplorerFrames. Controls move at once; the image follows.
_SCRIPT = """(function () {
var root = document.getElementById("UID");
if (!root) { return; }
var data = JSON.parse(root.querySelector("script.lib-explorer-data").textContent);
var img = root.querySelector("img");
var hint = root.querySelector(".lib-explorer-hint");
if (hint) { hint.remove(); }
var frames = data.frames || null, requested = false;
var controls = [];
root.querySelectorAll("[data-param]").forEach(function (el) {
  controls[Number(el.getAttribute("data-param"))] = el;
});
function load() {
  if (requested) { return; }
  requested = true;
  root.setAttribute("data-frames", "loading");
  if (!window.libExplorerFrames) {
    var pending = {};
    window.libExplorerFrames = function (key, got) {
      var calls = pending[key] || [];
      delete pending[key];
      calls.forEach(function (call) { call(got); });
    };
    window.libExplorerFrames.waiting = pending;
  }
  var waiting = window.libExplorerFrames.waiting;
  (waiting[data.key] = waiting[data.key] || []).push(function (got) {
    frames = [img.getAttribute("src")].concat(got);
    root.setAttribute("data-frames", "loaded");
    update();
  });
  var script = document.createElement("script");
  script.src = data.src;
  script.onerror = function () { root.setAttribute("data-frames", "failed"); };
  document.head.appendChild(script);
}
function update() {
  var index = 0;
  controls.forEach(function (el, k) {
    var i = Number(el.value);
    index = index * data.sizes[k] + i;
    var out = root.querySelector('output[data-output="' + k + '"]');
    if (out) {
      out.value = data.labels[k][i];
      el.setAttribute("aria-valuetext", data.labels[k][i]);
    }
  });
  if (!frames) { load(); return; }
  img.src = frames[index];
  img.alt = data.alts[index];
  img.setAttribute("data-frame", String(index));
}
controls.forEach(function (el) {
  el.disabled = false;
  el.addEventListener("input", update);
  el.addEventListener("change", update);
});
if (frames) { return; }
root.addEventListener("pointerdown", load);
root.addEventListener("focusin", load);
if ("IntersectionObserver" in window) {
  var seen = new IntersectionObserver(function (entries) {
    if (entries.some(function (e) { return e.isIntersecting; })) {
      seen.disconnect();
      load();
    }
  }, {rootMargin: "100% 0px"});
  seen.observe(root);
} else { load(); }
})();"""


def explore(plot_fn, *, max_frames: int = 64, alt: str = "Figure", **grid) -> Explorer:
    """Precompute one figure per combination of ``grid`` and return an :class:`Explorer`.

    ``plot_fn(**params)`` must return a matplotlib Figure of the same size for every
    combination (a fixed ``figsize``, no tight bounding box: the page must not jump).
    Each keyword of ``grid`` names a parameter of plot_fn and gives its values as a
    list or tuple of at least two distinct numbers (a slider) or strings (a drop-down
    list). Values are passed to plot_fn as given. Numbers are shown with Python's repr.
    ``alt`` starts every frame's alt text, e.g. ``alt="Gradient norm per layer"`` gives
    "Gradient norm per layer: depth = 4, activation = relu". At most ``max_frames``
    combinations are rendered: every frame adds tens of kB to the page.
    ``max_frames`` and ``alt`` are therefore not available as parameter names.

    Calling it again with the same function and grid reuses the frames (module
    docstring; :func:`clear_cache`). Introduced in chapter "Sigmoid and the vanishing
    gradient".
    """
    if not callable(plot_fn):
        raise TypeError("plot_fn must be a function that takes the grid's parameters as "
                        f"keywords and returns a matplotlib Figure, got {type(plot_fn).__name__}")
    max_frames = _validate.integer("max_frames", max_frames, low=1)
    if not isinstance(alt, str) or not alt.strip():
        raise TypeError("alt must be a non-empty string that describes the figure, e.g. "
                        f'"Gradient norm per layer", got {alt!r}')
    if not grid:
        raise ValueError("explore needs at least one parameter to vary, e.g. "
                         "explore(plot_fn, depth=[2, 4, 8]); got none")
    params = {name: _values(name, values) for name, values in grid.items()}
    count = math.prod(len(vs) for vs in params.values())
    if count > max_frames:
        sizes = " x ".join(str(len(vs)) for vs in params.values())
        raise ValueError(
            f"the grid has {count} combinations ({sizes}), more than max_frames={max_frames}: "
            "each frame weighs tens of kB, so the page gets heavy (CONTRIBUTING.md budgets 4 MB "
            "per chapter). Use fewer values, or raise the limit on purpose with "
            f"max_frames={count}.")
    name = _qualname(plot_fn)
    keep: list = []  # objects whose identity is in the key: alive while the entry is
    key = (_fingerprint_callable(plot_fn, keep),
           tuple((k, tuple((type(v).__name__, v) for v in vs)) for k, vs in grid.items()),
           _rc_fingerprint())
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        frames, size, seconds = cached[0]
        from_cache = True
    else:
        frames, size, seconds = _render(plot_fn, grid, params)
        _CACHE[key] = ((frames, size, seconds), keep)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        from_cache = False
    return Explorer(params, frames, name=name, alt=alt.strip(), size=size,
                    precompute_seconds=seconds, from_cache=from_cache)


def _values(name, values) -> tuple:
    """Check one parameter's values; return them normalised (int, float or str)."""
    if not isinstance(values, (list, tuple)):
        hint = " (use .tolist())" if hasattr(values, "tolist") else ""
        raise TypeError(f"{name} must be a list or tuple of values, e.g. {name}=[1, 2, 4], "
                        f"got {type(values).__name__}{hint}")
    if len(values) == 0:
        raise ValueError(f"{name} must list at least two values, got an empty "
                         f"{type(values).__name__}")
    if len(values) == 1:
        raise ValueError(
            f"{name} has a single value {values[0]!r}: a slider over one value is not a "
            "slider. Pass it inside plot_fn instead, e.g. "
            f"functools.partial(plot_fn, {name}={values[0]!r}).")
    if all(isinstance(v, str) for v in values):
        out = tuple(str(v) for v in values)
    elif all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        out = tuple(int(v) if isinstance(v, numbers.Integral) else float(v) for v in values)
        huge = [v for v in out if isinstance(v, int) and abs(v) > 2**53]
        if huge:  # a slider's label and the JSON of the page read them as floats
            raise ValueError(f"{name} must hold numbers up to 2**53, got one of "
                             f"{len(str(abs(huge[0])))} digits")
        bad = [v for v in out if not math.isfinite(v)]
        if bad:
            raise ValueError(f"{name} must hold finite numbers, got {bad[0]!r}")
    else:
        kinds = sorted({type(v).__name__ for v in values})
        raise TypeError(f"{name} must hold only numbers (a slider) or only strings "
                        f"(a drop-down list), not booleans or a mix; got {', '.join(kinds)}")
    seen = {}
    for v in out:
        if v in seen:
            what = (f"the value {v!r} twice" if repr(seen[v]) == repr(v)
                    else f"equal values {seen[v]!r} and {v!r}")
            raise ValueError(f"{name} lists {what}: every value must be distinct")
        seen[v] = v
    return out


def _render(plot_fn, grid, params):
    """Call plot_fn on every combination; return (PNG frames, (width, height), seconds)."""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    names = list(grid)
    frames, size, first = [], None, None
    start = time.perf_counter()
    for index, combo in enumerate(itertools.product(*grid.values())):
        kwargs = dict(zip(names, combo))
        where = ", ".join(f"{k} = {_label(v)}" for k, v in
                          _combination(params, index).items())
        before = set(plt.get_fignums())
        try:
            fig = plot_fn(**kwargs)
        except Exception as exc:
            _close_new(plt, before)
            raise ValueError(f"plot_fn failed for {where}: {type(exc).__name__}: {exc}") \
                from exc
        if not isinstance(fig, Figure):
            _close_new(plt, before)
            hint = " (return ax.figure)" if isinstance(fig, Axes) else ""
            raise TypeError(f"plot_fn must return a matplotlib Figure, got "
                            f"{type(fig).__name__}{hint} for {where}")
        try:
            png = encode(fig)
        except Exception as exc:
            raise ValueError(f"drawing the figure of plot_fn failed for {where}: "
                             f"{type(exc).__name__}: {exc}") from exc
        finally:
            plt.close(fig)
            _close_new(plt, before)
        this = _png_size(png)
        if size is None:
            size, first = this, where
        elif this != size:
            raise ValueError(
                f"plot_fn returned figures of different sizes: {size[0]}x{size[1]} px for "
                f"{first}, {this[0]}x{this[1]} px for {where}. Give every frame the same "
                "figsize (and no tight bounding box), or the page would jump.")
        frames.append(png)
    return frames, size, time.perf_counter() - start


def encode(fig) -> bytes:
    """One frame as PNG bytes: the figure at its own size (never a tight bounding box),
    reduced to a 256-colour palette, with no metadata, so reruns are byte-identical.

    The palette makes a frame about three times smaller (a 24-frame explorer: 0.56 MB
    of PNG instead of 1.7 MB) for about 12 ms per frame; entries within 8 levels of
    white are snapped to pure white so the background stays exactly white.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from PIL import Image

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    # savefig's raw format: the pixels a PNG would hold (same drawing, same colours),
    # without compressing them into a PNG only to decode it again (a fifth of the time)
    buf = io.BytesIO()
    with mpl.rc_context({"savefig.bbox": "standard"}):
        fig.savefig(buf, format="raw", dpi="figure")
    width, height = (int(v) for v in fig.bbox.size)   # Agg's canvas, in pixels
    raw = buf.getvalue()
    if len(raw) != 4 * width * height:
        raise ValueError(f"the figure drew {len(raw)} bytes, not the {width}x{height} "
                         "RGBA pixels its size gives")
    rgb = Image.frombuffer("RGBA", (width, height), raw, "raw", "RGBA", 0, 1).convert("RGB")
    small = rgb.quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                         dither=Image.Dither.NONE)
    palette = small.getpalette()
    for i in range(0, len(palette), 3):
        if min(palette[i:i + 3]) >= 247:
            palette[i:i + 3] = [255, 255, 255]
    small.putpalette(palette)
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()


def _close_new(plt, before):
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def _combination(params, index) -> dict:
    """The values of frame ``index`` (row-major over ``params``, as itertools.product)."""
    out = {}
    for name in reversed(list(params)):
        values = params[name]
        index, i = divmod(index, len(values))
        out[name] = values[i]
    return dict(reversed(list(out.items())))


def _label(value) -> str:
    return value if isinstance(value, str) else repr(value)


def _png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _qualname(fn) -> str:
    while isinstance(fn, functools.partial):
        fn = fn.func
    module = getattr(fn, "__module__", None) or ""
    return f"{module}.{getattr(fn, '__qualname__', type(fn).__qualname__)}"


# --- cache key ----------------------------------------------------------------------------

_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def _fingerprint(obj, keep, depth=0):
    """Equal for equal numbers/strings (and tuples of them), modules by name, anything
    else by identity (kept alive in ``keep`` so its id cannot be reused)."""
    if isinstance(obj, _PLAIN):
        return (type(obj).__name__, obj)
    if isinstance(obj, types.ModuleType):
        return ("module", obj.__name__)
    if isinstance(obj, types.CodeType):
        return _fingerprint_code(obj, keep)
    if isinstance(obj, (tuple, frozenset)) and depth < 4:
        items = obj if isinstance(obj, tuple) else sorted(obj, key=repr)
        return (type(obj).__name__, tuple(_fingerprint(x, keep, depth + 1) for x in items))
    keep.append(obj)
    return ("id", id(obj))


def _fingerprint_code(code, keep):
    return ("code", code.co_code, code.co_names,
            tuple(_fingerprint(c, keep) for c in code.co_consts))


def _global_names(code) -> set:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _fingerprint_callable(fn, keep):
    if isinstance(fn, functools.partial):
        return ("partial", _fingerprint_callable(fn.func, keep),
                tuple(_fingerprint(a, keep) for a in fn.args),
                tuple(sorted((k, _fingerprint(v, keep)) for k, v in fn.keywords.items())))
    if isinstance(fn, types.MethodType):
        return ("method", _fingerprint_callable(fn.__func__, keep), _fingerprint(fn.__self__, keep))
    if isinstance(fn, types.FunctionType):
        code = fn.__code__
        cells = tuple(_fingerprint(c.cell_contents, keep) if _filled(c) else ("empty",)
                      for c in fn.__closure__ or ())
        names = sorted(n for n in _global_names(code) if n in fn.__globals__)
        return ("function", _qualname(fn), _fingerprint_code(code, keep),
                _fingerprint(fn.__defaults__, keep),
                tuple(sorted((k, _fingerprint(v, keep))
                             for k, v in (fn.__kwdefaults__ or {}).items())),
                cells,
                tuple((n, _fingerprint(fn.__globals__[n], keep)) for n in names))
    return ("object", _fingerprint(fn, keep))


def _filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def _rc_fingerprint() -> str:
    """A hash of matplotlib's settings: a change of style renders the frames again."""
    import matplotlib as mpl

    return hashlib.sha256(repr(sorted(mpl.rcParams.items())).encode()).hexdigest()

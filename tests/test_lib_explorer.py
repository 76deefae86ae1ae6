"""lib.explorer: the kernel-free interactive figures (CONTRIBUTING.md, "Explorers").

Frames follow itertools.product order over the grid; the output holds only text/plain and
a self-contained text/html (labelled controls, alt text, no external resource); bad calls
get a sentence naming the argument; reruns are byte-identical; and in Chromium two
explorers on one page each drive only their own image."""

import base64
import configparser
import functools
import itertools
import json
import os
import pathlib
import re
import subprocess
import sys
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lib.explorer import clear_cache, encode, explore  # noqa: E402
from tools import browser  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
PNG = "data:image/png;base64,"


@pytest.fixture(autouse=True)
def fresh():
    clear_cache()
    yield
    clear_cache()
    plt.close("all")


def plot(depth, act):
    """A tiny figure that draws its parameters, so every frame differs (no ticks or axis
    labels: they are most of the drawing time)."""
    fig = plt.figure(figsize=(2, 1.5), dpi=40)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.plot([0, 1], [0, depth], color={"a": "C0", "b": "C1", "c": "C2"}[act])
    ax.text(0.1, 0.5, f"{depth} {act}", transform=ax.transAxes)
    return fig


class Recorder:
    """plot with a log of its calls."""

    def __init__(self, fn=plot):
        self.fn, self.calls = fn, []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.fn(**kwargs)


def png_of(fig):
    """A figure saved the way explore saves it."""
    png = encode(fig)
    plt.close(fig)
    return png


class Html(HTMLParser):
    """The elements of an explorer's HTML that the tests look at."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.labels, self.scripts = [], {}, []
        self._open = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag in ("label", "output", "option", "script"):
            self._open = [tag, attrs, ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if self._open is None or self._open[0] != tag:
            return
        _, attrs, text = self._open
        if tag == "label":
            self.labels[attrs.get("for")] = text
        elif tag == "script":
            self.scripts.append((attrs, text))
        else:
            attrs["text"] = text  # the option/output dict is the one in self.elements
        self._open = None

    def find(self, tag, **attrs):
        return [a for t, a in self.elements
                if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def data(self):
        (payload,) = [text for a, text in self.scripts if a.get("type") == "application/json"]
        return json.loads(payload)


def uris(ex):
    return [PNG + base64.b64encode(p).decode() for p in ex.frames]


# --- frames -----------------------------------------------------------------------------


def test_one_frame_per_combination_in_product_order():
    rec = Recorder()
    ex = explore(rec, depth=[1, 2, 4, 8], act=("a", "b", "c"))
    expected = [{"depth": d, "act": a} for d, a in itertools.product([1, 2, 4, 8], "abc")]
    assert rec.calls == expected
    assert ex.frame_count == len(ex.frames) == 12
    assert ex.params == {"depth": (1, 2, 4, 8), "act": ("a", "b", "c")}
    assert len(set(ex.frames)) == 12, "every combination draws a different figure"
    for i in (0, 5, 11):  # frame i is the figure of call i
        assert ex.frames[i] == png_of(plot(**expected[i]))
    assert all(p.startswith(b"\x89PNG") for p in ex.frames)
    assert ex.size == (80, 60)
    assert isinstance(ex.precompute_seconds, float) and ex.precompute_seconds > 0
    assert plt.get_fignums() == [], "explore closes every figure it renders"


def test_values_reach_plot_fn_as_given_and_numbers_are_shown_plainly():
    rec = Recorder()
    ex = explore(rec, depth=[np.int64(1), 2.5], act=["a", "b"])
    assert type(rec.calls[0]["depth"]) is np.int64
    assert ex.params["depth"] == (1, 2.5)
    assert repr(ex) == "Explorer: 4 frames over depth = [1, 2.5], act = ['a', 'b']"


# --- output ----------------------------------------------------------------------------


def test_mimebundle_holds_only_a_stable_summary_and_html():
    ex = explore(plot, depth=[1, 2, 4, 8], act=["a", "b", "c"])
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == (
        "Explorer: 12 frames over depth = [1, 2, 4, 8], act = ['a', 'b', 'c']")
    assert set(ex._repr_mimebundle_(include={"text/plain"})) == {"text/plain"}
    assert set(ex._repr_mimebundle_(exclude={"text/html"})) == {"text/plain"}
    assert not hasattr(ex, "_repr_html_") and not hasattr(ex, "_repr_png_")


def test_html_has_one_labelled_control_per_parameter():
    ex = explore(plot, depth=[1, 2.5, 4], act=["a", "b", "c"])
    page = Html(ex._repr_mimebundle_()["text/html"])
    controls = [a for t, a in page.elements if "data-param" in a]
    assert len(controls) == 2
    for k, name in enumerate(ex.params):
        (control,) = [a for a in controls if a["data-param"] == str(k)]
        assert "data-lm-suppress-shortcuts" in control
        assert control["aria-label"] == name
        assert page.labels[control["id"]] == name, "every control has a <label for=...>"
    (depth,) = page.find("input", **{"data-param": "0"})
    assert (depth["type"], depth["min"], depth["max"], depth["step"], depth["value"]) == (
        "range", "0", "2", "1", "0")
    (output,) = page.find("output", **{"for": depth["id"]})
    assert output["text"] == "1"
    assert page.find("select", **{"data-param": "1"}), "strings get a <select>"
    options = page.find("option")
    assert [o["text"] for o in options] == ["a", "b", "c"]
    assert [o["value"] for o in options] == ["0", "1", "2"]
    assert "selected" in options[0]
    assert len({a["id"] for t, a in page.elements if "id" in a}) == len(
        [a for t, a in page.elements if "id" in a]), "ids are unique"


def test_html_is_self_contained_and_shows_frame_zero_before_any_script():
    ex = explore(plot, alt="Depth and act", depth=[1, 2, 4], act=["a", "b"])
    text = ex._repr_mimebundle_()["text/html"]
    assert 'src="http' not in text and "<script src" not in text
    assert "http://" not in text and "https://" not in text
    assert "ipywidgets" not in text and "<iframe" not in text
    page = Html(text)
    (img,) = page.find("img")
    assert img["src"] == uris(ex)[0]
    assert img["alt"] == "Depth and act: depth = 1, act = a"
    assert (img["width"], img["height"], img["data-frame"]) == ("80", "60", "0")
    data = page.data()
    assert data["frames"] == uris(ex), "every frame, in product order"
    assert data["alts"] == [ex.alt_text(i) for i in range(6)]
    assert data["sizes"] == [3, 2]
    assert data["labels"] == [["1", "2", "4"], ["a", "b"]]
    (wrapper_tag, wrapper) = page.elements[0]
    assert wrapper_tag == "div" and wrapper["id"].startswith("explorer-")
    (code,) = [s for a, s in page.scripts if "type" not in a]
    assert f'document.getElementById("{wrapper["id"]}")' in code
    assert "document.querySelector" not in code, "the script looks only inside its wrapper"


def test_a_hint_says_why_the_controls_are_disabled_until_the_script_runs():
    """An untrusted notebook shows the HTML without running its script: the disabled
    controls come with a line that says what to do; the script removes it."""
    cases = [(functools.partial(plot, act="a"), {"depth": [1, 2]}, "sliders"),
             (functools.partial(plot, depth=1), {"act": ["a", "b"]}, "menus"),
             (plot, {"depth": [1, 2], "act": ["a", "b"]}, "sliders and menus")]
    for fn, grid, what in cases:
        text = explore(fn, **grid)._repr_mimebundle_()["text/html"]
        page = Html(text)
        assert all("disabled" in a for a in page.find("input") + page.find("select"))
        assert len(page.find("div", **{"class": "lib-explorer-hint"})) == 1
        assert re.search(r'class="lib-explorer-hint"[^>]*>Run this cell, or trust the '
                         rf"notebook, to use the {what}\.</div>", text), what
        (code,) = [s for a, s in page.scripts if "type" not in a]
        assert 'root.querySelector(".lib-explorer-hint")' in code
        assert "hint.remove()" in code


def test_alt_text_names_every_parameter_value():
    ex = explore(plot, alt="Gradient norms per layer", depth=[2, 4], act=["a", "c"])
    assert [ex.alt_text(i) for i in range(4)] == [
        "Gradient norms per layer: depth = 2, act = a",
        "Gradient norms per layer: depth = 2, act = c",
        "Gradient norms per layer: depth = 4, act = a",
        "Gradient norms per layer: depth = 4, act = c",
    ]


def test_html_escapes_names_values_and_alt():
    def fn(depth, act):
        return plot(depth, "a")

    ex = explore(fn, alt='a "<b>" & </script>', depth=[1, 2], act=["<i>", "</script>"])
    text = ex._repr_mimebundle_()["text/html"]
    assert text.count("</script>") == 2, "only the two script elements close"
    assert "<i>" not in text and "<b>" not in text
    assert Html(text).data()["labels"][1] == ["<i>", "</script>"]


def test_nbval_sanitizer_hides_pixels_but_not_labels():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "nbval_sanitize.cfg")
    pattern, replace = cfg["png-data"]["regex"], cfg["png-data"]["replace"]

    def sanitized(alt):
        clear_cache()
        return re.sub(pattern, replace, explore(plot, alt=alt, depth=[1, 2],
                                                act=["a", "b"])._repr_mimebundle_()["text/html"])

    first = sanitized("Figure")
    assert not re.search(r"[A-Za-z0-9+/]{80}", first), "no base64 left after sanitizing"
    assert first.count(replace) == 5  # the <img> and the four frames
    assert sanitized("Figure") == first
    assert sanitized("Another caption") != first


# --- bad calls -------------------------------------------------------------------------


def returns(value):
    def fn(depth, act):
        return value(depth, act) if callable(value) else value

    return fn


BAD = {
    "plot_fn not callable": (lambda: explore(42, depth=[1, 2]), TypeError, r"plot_fn"),
    "no parameter": (lambda: explore(plot), ValueError, r"at least one parameter"),
    "values not a list": (lambda: explore(plot, depth=3, act=["a", "b"]), TypeError,
                          r"depth must be a list or tuple"),
    "values a string": (lambda: explore(plot, depth=[1, 2], act="ab"), TypeError,
                        r"act must be a list or tuple"),
    "values an array": (lambda: explore(plot, depth=np.array([1, 2]), act=["a", "b"]),
                        TypeError, r"depth must be a list or tuple.*tolist"),
    "empty values": (lambda: explore(plot, depth=[], act=["a", "b"]), ValueError,
                     r"depth must list at least two values"),
    "single value": (lambda: explore(plot, depth=[4], act=["a", "b"]), ValueError,
                     r"depth has a single value 4: a slider over one value is not a slider"
                     r".*functools.partial"),
    "duplicate values": (lambda: explore(plot, depth=[2, 2.0], act=["a", "b"]), ValueError,
                         r"depth lists equal values 2 and 2.0"),
    "duplicate strings": (lambda: explore(plot, depth=[1, 2], act=["a", "a"]), ValueError,
                          r"act lists the value 'a' twice"),
    "numbers and strings": (lambda: explore(plot, depth=[1, "2"], act=["a", "b"]), TypeError,
                            r"depth must hold only numbers .* or only strings"),
    "booleans": (lambda: explore(plot, depth=[True, False], act=["a", "b"]), TypeError,
                 r"depth must hold only numbers .*not booleans"),
    "a boolean among numbers": (lambda: explore(plot, depth=[1, True], act=["a", "b"]),
                                TypeError, r"depth must hold only numbers"),
    "not finite": (lambda: explore(plot, depth=[1, float("nan")], act=["a", "b"]), ValueError,
                   r"depth must hold finite numbers"),
    "too many frames": (
        lambda: explore(plot, depth=list(range(9)), act=["a", "b", "c"], max_frames=20),
        ValueError,
        r"27 combinations \(9 x 3\), more than max_frames=20: each frame weighs tens of kB"
        r".*heavy.*max_frames=27"),
    "max_frames not an int": (lambda: explore(plot, max_frames="64", depth=[1, 2]), TypeError,
                              r"max_frames must be an integer"),
    "max_frames below 1": (lambda: explore(plot, max_frames=0, depth=[1, 2]), ValueError,
                           r"max_frames must be >= 1"),
    "alt not a string": (lambda: explore(plot, alt=None, depth=[1, 2], act=["a", "b"]),
                         TypeError, r"alt must be a non-empty string"),
    "plot_fn returns None": (
        lambda: explore(returns(None), depth=[1, 2], act=["a", "b"]), TypeError,
        r"plot_fn must return a matplotlib Figure, got NoneType for depth = 1, act = a"),
    "plot_fn returns Axes": (
        lambda: explore(returns(lambda d, a: plot(d, a).axes[0]), depth=[1, 2], act=["a", "b"]),
        TypeError, r"got Axes \(return ax.figure\) for depth = 1, act = a"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_calls_get_a_sentence_naming_the_argument(case):
    call, error, message = BAD[case]
    with pytest.raises(error, match=message):
        call()
    assert plt.get_fignums() == [], "a refused call leaves no figure open"


def test_max_frames_can_be_raised_on_purpose():
    assert explore(plot, max_frames=6, depth=[1, 2, 3], act=["a", "b"]).frame_count == 6


def test_an_error_in_plot_fn_names_the_combination_and_is_chained():
    def fails(depth, act):
        fig = plot(depth, act)
        if (depth, act) == (2, "b"):
            raise KeyError("no such layer")
        return fig

    with pytest.raises(ValueError, match=r"plot_fn failed for depth = 2, act = b: KeyError"
                       ) as info:
        explore(fails, depth=[1, 2], act=["a", "b"])
    assert isinstance(info.value.__cause__, KeyError)
    assert plt.get_fignums() == []


def test_frames_of_different_sizes_are_refused():
    def grows(depth, act):
        fig = plot(depth, act)
        fig.set_size_inches(2, depth)
        return fig

    with pytest.raises(ValueError, match=r"different sizes: 80x40 px for depth = 1, act = a, "
                       r"80x80 px for depth = 2, act = a.*jump"):
        explore(grows, depth=[1, 2], act=["a", "b"])


def test_a_tight_bbox_in_the_rcparams_does_not_change_the_size():
    with matplotlib.rc_context({"savefig.bbox": "tight"}):
        assert explore(plot, depth=[1, 2], act=["a", "b"]).size == (80, 60)


# --- cache and determinism -------------------------------------------------------------


def make_plot(calls):
    """A fresh function object with the same code each time, like re-running a cell."""
    def counted(depth, act):
        calls.append(1)
        return plot(depth, act)

    return counted


def test_the_same_call_twice_reuses_the_frames():
    calls = []
    first = explore(make_plot(calls), depth=[1, 2], act=["a", "b"])
    assert len(calls) == 4 and not first.from_cache
    again = explore(make_plot(calls), depth=[1, 2], act=["a", "b"])
    assert len(calls) == 4, "a re-run of the same function and grid renders nothing"
    assert again.from_cache and again.frames == first.frames
    assert again.precompute_seconds == first.precompute_seconds
    explore(make_plot(calls), depth=[1, 2, 3], act=["a", "b"])
    assert len(calls) == 10, "another grid renders again"
    explore(make_plot(calls), depth=[1, 2.0], act=["a", "b"])
    assert len(calls) == 14, "2.0 is not 2 for plot_fn: rendered again"
    explore(make_plot(calls), max_frames=10, alt="Other", depth=[1, 2], act=["a", "b"])
    assert len(calls) == 14, "max_frames and alt do not change the frames"
    with matplotlib.rc_context({"lines.linewidth": 5}):
        explore(make_plot(calls), depth=[1, 2], act=["a", "b"])
    assert len(calls) == 18, "another matplotlib style renders again"
    clear_cache()
    explore(make_plot(calls), depth=[1, 2], act=["a", "b"])
    assert len(calls) == 22, "clear_cache forgets the frames"


def test_the_cache_sees_closures_defaults_partials_and_globals():
    calls = []

    def scaled(scale):
        def fn(depth, act):
            calls.append(1)
            return plot(depth * scale, act)

        return fn

    explore(scaled(1), depth=[1, 2], act=["a", "b"])
    explore(scaled(1), depth=[1, 2], act=["a", "b"])
    assert len(calls) == 4
    explore(scaled(3), depth=[1, 2], act=["a", "b"])
    assert len(calls) == 8, "another value in the closure renders again"

    def with_default(depth, act, scale=1):
        calls.append(1)
        return plot(depth * scale, act)

    explore(with_default, depth=[1, 2], act=["a", "b"])
    explore(functools.partial(with_default, scale=2), depth=[1, 2], act=["a", "b"])
    explore(functools.partial(with_default, scale=2), depth=[1, 2], act=["a", "b"])
    assert len(calls) == 16, "a partial's arguments are part of the key"

    global SHIFT
    SHIFT = np.array([0.0])
    explore(uses_global, depth=[1, 2], act=["a", "b"])
    explore(uses_global, depth=[1, 2], act=["a", "b"])
    assert len(GLOBAL_CALLS) == 4
    SHIFT = np.array([1.0])  # a new object, as when a data cell is re-run
    explore(uses_global, depth=[1, 2], act=["a", "b"])
    assert len(GLOBAL_CALLS) == 8, "a global that plot_fn reads is part of the key"


SHIFT = np.array([0.0])
GLOBAL_CALLS = []


def uses_global(depth, act):
    GLOBAL_CALLS.append(1)
    return plot(depth + float(SHIFT[0]), act)


def test_reruns_are_byte_identical():
    rec = Recorder()
    first = explore(rec, depth=[1, 2, 4], act=["a", "b"])
    first_bundle = first._repr_mimebundle_()
    clear_cache()
    second = explore(rec, depth=[1, 2, 4], act=["a", "b"])
    assert len(rec.calls) == 12, "the second run really rendered again"
    assert second.frames == first.frames, "identical PNG bytes"
    assert second._repr_mimebundle_() == first_bundle, "identical text/plain and text/html"


FRESH = r"""
import json, sys
import lib.explorer
assert "matplotlib" not in sys.modules, "importing lib.explorer imported matplotlib"
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

def plot(depth, act):
    fig = plt.figure(figsize=(2, 1.5), dpi=40)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.text(0.1, 0.5, f"{depth} {act}")
    return fig

ex = lib.explorer.explore(plot, depth=[1, 2], act=["a", "b"])
sys.stdout.write(json.dumps([ex._repr_mimebundle_(), ex._repr_mimebundle_()]))
"""


def test_two_fresh_processes_render_the_same_bytes_and_import_has_no_side_effects():
    runs = [subprocess.Popen([sys.executable, "-c", FRESH], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONHASHSEED": str(seed)})
            for seed in (1, 2)]
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
        outputs.append(out)
    assert outputs[0] == outputs[1], "two runs of the same notebook give the same HTML"
    first, second = json.loads(outputs[0])
    assert first["text/html"] != second["text/html"], "a second display gets its own id"


def test_ids_are_unique_per_explorer_and_display():
    def wrapper_id(ex):
        return re.match(r'<div id="([^"]+)"', ex._repr_mimebundle_()["text/html"])[1]

    a = explore(plot, depth=[1, 2], act=["a", "b"])
    b = explore(plot, depth=[1, 2], act=["a", "b"])  # same function and grid
    c = explore(plot, depth=[1, 2, 3], act=["a", "b"])
    ids = [wrapper_id(a), wrapper_id(b), wrapper_id(a), wrapper_id(c)]
    assert len(set(ids)) == 4, ids
    assert all(re.fullmatch(r"explorer-[0-9a-f]{12}-\d+", i) for i in ids)
    assert ids[0].rsplit("-", 1)[0] == ids[1].rsplit("-", 1)[0] != ids[3].rsplit("-", 1)[0]
    clear_cache()
    assert wrapper_id(explore(plot, depth=[1, 2], act=["a", "b"])) == ids[0]


# --- in a real browser -----------------------------------------------------------------


@pytest.fixture
def serve(tmp_path):
    """Serve tmp_path on 127.0.0.1 (a free port) for the test; yield the base URL."""
    with browser.serve(tmp_path) as url:
        yield url


def browser_plot(width, alpha, color):
    fig, ax = plt.subplots(figsize=(4, 2.2), dpi=80)
    fig.subplots_adjust(left=0.06, right=0.97, bottom=0.12, top=0.88)
    ax.plot([0, 1], [0, width], alpha=alpha, color=color, linewidth=width * 2)
    ax.set(xlim=(0, 1), ylim=(0, 3), xticks=[0, 1], yticks=[0, 3])
    ax.set_title(f"width {width}, alpha {alpha}, {color}", fontsize=10)
    return fig


GRID = {"width": [1, 2, 3], "alpha": [0.25, 0.5], "color": ["tab:blue", "tab:orange", "k"]}

SHOWN = """uid => {
  const root = document.getElementById(uid), img = root.querySelector("img");
  return {frame: img.getAttribute("data-frame"), src: img.getAttribute("src"), alt: img.alt,
          outputs: Array.from(root.querySelectorAll("output"), o => o.textContent)};
}"""


def two_explorer_page(tmp_path):
    """Two explorers of the same function and grid (the hardest case for ids) on one
    page; returns [(explorer, wrapper id)] * 2."""
    explorers = [explore(browser_plot, alt=alt, **GRID) for alt in ("Left", "Right")]
    htmls = [ex._repr_mimebundle_()["text/html"] for ex in explorers]
    ids = [re.match(r'<div id="([^"]+)"', h)[1] for h in htmls]
    assert ids[0] != ids[1]
    body = "\n<p>Between the two explorers.</p>\n".join(htmls)
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<link rel="icon" href="data:,"><title>Two explorers</title></head>'
        f'<body style="font-family:sans-serif;margin:2em">{body}</body></html>',
        encoding="utf-8")
    return list(zip(explorers, ids))


@pytest.mark.browser
def test_two_explorers_in_chromium_each_drive_only_their_own_image(tmp_path, serve, chromium):
    page_explorers = two_explorer_page(tmp_path)
    assert len(set(page_explorers[0][0].frames)) == 18
    sizes = [len(v) for v in GRID.values()]
    page = chromium.new_page()
    try:
        page.set_default_timeout(5000)
        watch = browser.Watch(page, serve)
        page.goto(serve)
        states = [[0, 0, 0], [0, 0, 0]]

        def check():
            """Both explorers show the frame of their own controls' state."""
            for n, (ex, uid) in enumerate(page_explorers):
                index = 0
                for size, i in zip(sizes, states[n]):
                    index = index * size + i
                shown = page.evaluate(SHOWN, uid)  # one round trip
                assert shown["frame"] == str(index), (n, states[n])
                frames = uris(ex)
                assert (frames.index(shown["src"]) if shown["src"] in frames
                        else None) == index
                assert shown["alt"] == ex.alt_text(index)
                assert shown["outputs"] == [
                    str(list(GRID.values())[k][states[n][k]]) for k in (0, 1)]

        check()
        for n, (_, uid) in enumerate(page_explorers):
            width = page.locator(f'#{uid} [data-param="0"]')
            alpha = page.locator(f'#{uid} [data-param="1"]')
            color = page.locator(f'#{uid} [data-param="2"]')
            assert width.is_enabled(), "the script enabled the controls"
            width.press("ArrowRight")  # the keyboard moves a slider
            states[n][0] = 1
            check()
            width.fill("2")
            states[n][0] = 2
            check()
            alpha.press("ArrowRight")
            states[n][1] = 1
            check()
            color.select_option("2")
            states[n][2] = 2
            check()
            color.select_option(label="tab:orange")
            states[n][2] = 1
            check()
            width.fill("0")
            states[n][0] = 0
            check()
        assert watch.errors == []
        assert watch.not_local() == [] and watch.requests == [serve], watch.requests
    finally:
        page.close()

"""The promise of CONTRIBUTING.md, drawn at random: every public function of lib answers
a wrong call with a ValueError or TypeError that names the argument, and never hangs;
every exercise check answers a wrong answer of any kind with an AssertionError and a
hint, never another exception (issue 15).

The functions are found by introspection (every module of lib, every public function
and class defined there), so a function added later is tested too: it needs a good
baseline call, in tests/support/lib_calls.py's GOOD or in BASELINES below, or the
suite fails. Each example replaces one argument of the baseline by a wrong value drawn
by hypothesis: wrong types, NaN, inf, 10**400, empty and huge sizes, wrong shapes,
tensors for arrays and back, and transformations of the good value. A drawn value that
is in fact valid (a tensor where an array is good) may return normally.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import signal

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from lib_calls import GOOD, names  # noqa: E402

import lib  # noqa: E402
from lib import checks  # noqa: E402

torch.set_num_threads(1)

#: Reproducible in CI (derandomize), nothing written into the repository (database),
#: no failure because a machine is slow (deadline: CONTRIBUTING.md, "no test may fail
#: because a machine is slow"); a hang is caught by _time_limit instead.
PROPERTY = settings(max_examples=100, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.data_too_large],
                    print_blob=False)

#: Seconds one call may take before the test calls it a hang.
TIME_LIMIT = 30


@contextlib.contextmanager
def _time_limit(what):
    def hang(signum, frame):
        raise TimeoutError(f"{what} ran for more than {TIME_LIMIT} s: it hangs")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(TIME_LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------ what is tested

def _plot(depth, act):
    fig = plt.figure(figsize=(0.8, 0.6), dpi=100)
    fig.gca().plot([0, 1], [0, 1])
    return fig


#: Baselines for what tests/test_lib_validation.py does not call.
BASELINES = {
    "nets.Elementwise": lambda: {"fn": torch.tanh, "name": "tanh"},
    "plots.use_style": dict,
    "plots.color": lambda: {"label": "relu, deep"},
    "explorer.explore": lambda: {"plot_fn": _plot, "max_frames": 8, "alt": "Lines",
                                 "depth": [1, 2], "act": ["a", "b"]},
    "explorer.encode": lambda: {"fig": _plot(1, "a")},
    "explorer.clear_cache": dict,
}

#: Public names that are not called with wrong arguments here, and why.
ALLOWED = {
    # records that lib's own functions fill in; they hold results, they take no call
    # a reader makes with arguments to check
    "data.Split": "a record that data.digits fills",
    "data.Curve": "a record that data.sine fills",
    "train.History": "a record that train.fit fills",
    "train.SeedRuns": "a record that train.fit_seeds fills",
    # made by explore() and the playground functions, which check their arguments;
    # their docstrings say they are not made directly
    "explorer.Explorer": "made by explorer.explore, not directly",
    "widgets.Playground": "wraps the ipywidgets box a playground function built",
}


def _public():
    """{"module.name": object} for every public function and class of every module of
    lib (subpackages' too, private modules excepted), checks excepted (they take a
    student's answer: test_a_check_never_crashes)."""
    found = {}
    for name, module, _ in _modules():
        for attr, obj in vars(module).items():
            if (not attr.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
                    and obj.__module__ == module.__name__
                    and obj not in checks.REGISTRY.values()):
                found[f"{name}.{attr}"] = obj
    return found


def _modules():
    """(name under lib, module, whether a package) for every module of lib, subpackages'
    too, private modules (a name part starting with _) excepted."""
    for info in pkgutil.walk_packages(lib.__path__, "lib."):
        name = info.name.removeprefix("lib.")
        if not any(part.startswith("_") for part in name.split(".")):
            yield name, importlib.import_module(info.name), info.ispkg


PUBLIC = _public()


def _baselines():
    """(id, function, factory of good keyword arguments) for every public function."""
    out = []
    for key, (fn, good) in GOOD.items():
        out.append((key, fn, good))
    for key, good in BASELINES.items():
        out.append((key, PUBLIC[key], good))
    return out


CASES = [(key, fn, good) for key, fn, good in _baselines() if key.split(" ")[0] in PUBLIC]


def test_every_public_function_has_a_baseline_or_a_reason():
    have = {key.split(" ")[0] for key, _, _ in CASES}
    missing = sorted(set(PUBLIC) - have - set(ALLOWED))
    assert not missing, (
        f"{missing}: give each a good call in BASELINES (tests/test_lib_properties.py) "
        "or in tests/support/lib_calls.py's GOOD, so its wrong calls are tested")
    assert not set(ALLOWED) - set(PUBLIC), "ALLOWED names something lib no longer has"


# ------------------------------------------------------------------ wrong values

def _raises(*args, **kwargs):
    raise ZeroDivisionError("a function that fails")


#: (label, factory): made fresh for every call (tensors and figures are mutable).
GENERIC = [
    ("None", lambda: None), ("True", lambda: True), ("empty text", lambda: ""),
    ("text", lambda: "abc"), ("bytes", lambda: b"x"), ("0", lambda: 0), ("-1", lambda: -1),
    ("1.5", lambda: 1.5), ("10**9", lambda: 10**9), ("10**400", lambda: 10**400),
    ("-10**400", lambda: -(10**400)), ("nan", lambda: float("nan")),
    ("inf", lambda: float("inf")), ("-inf", lambda: float("-inf")), ("complex", lambda: 1 + 2j),
    ("[]", list), ("[None]", lambda: [None]), ("{}", dict), ("{'a': 1}", lambda: {"a": 1}),
    ("object()", object), ("empty array", lambda: np.array([])),
    ("0 x 3 array", lambda: np.zeros((0, 3))), ("NaN array", lambda: np.full(3, np.nan)),
    ("3-D array", lambda: np.ones((2, 2, 2))), ("text array", lambda: np.array(["1.5"])),
    ("tensor that requires grad", lambda: torch.tensor([1.0, 2.0], requires_grad=True)),
    ("NaN tensor", lambda: torch.tensor(float("nan"))), ("float32 NaN", lambda: np.float32("nan")),
    ("ragged list", lambda: [[1.0], [2.0, 3.0]]), ("returns None", lambda: lambda *a, **k: None),
    ("raises", lambda: _raises), ("np.tanh", lambda: np.tanh),
    ("a layer", lambda: torch.nn.Linear(4, 3)),
]


#: Values no argument whose good value is a number may take; for a text argument,
#: the non-text ones. A call that returns normally with one of them fails the test.
NEVER_A_NUMBER = {"None", "empty text", "text", "bytes", "10**400", "-10**400", "nan", "inf",
                  "-inf", "complex", "[]", "{}", "object()", "np.tanh"}
NEVER_TEXT = {"None", "10**400", "nan", "complex", "[]", "{}", "object()", "np.tanh"}
#: (function, argument) whose text may be anything (plots.color: any label).
ANY_TEXT = {("plots.color", "label")}


def _must_refuse(key, fn, arg, good, label):
    """Whether the value ``label`` (one of GENERIC) can never be right for ``arg``."""
    param = inspect.signature(fn).parameters.get(arg)
    if label == "None" and param is not None and param.default is None:
        return False  # None is the default: "not given"
    if isinstance(good, (int, float)) and not isinstance(good, bool):
        return label in NEVER_A_NUMBER
    if isinstance(good, str) and (key.split(" ")[0], arg) not in ANY_TEXT:
        return label in NEVER_TEXT
    return False


def _transforms(good):
    """(label, factory) of values made from a good one: other containers (often still
    valid), and broken versions of it (empty, NaN, another shape, huge)."""
    out = []
    if isinstance(good, np.ndarray) and good.dtype != object:
        out += [("as a tensor", lambda: torch.from_numpy(good.copy())),
                ("as a list", good.tolist),
                ("one more axis", lambda: good[None]), ("flattened", good.ravel),
                ("no rows", lambda: good[:0]), ("float32", lambda: good.astype(np.float32))]
        if good.ndim:
            out.append(("reversed (negative strides)", lambda: good[::-1]))
        if good.dtype.kind == "f":
            out += [("as a tensor that requires grad",
                     lambda: torch.tensor(good, requires_grad=True)),
                    ("with a NaN", lambda: np.where(np.arange(good.size).reshape(good.shape)
                                                    == 0, np.nan, good)),
                    ("with an inf", lambda: np.full_like(good, np.inf))]
        if good.dtype.kind == "i":
            out += [("unsigned", lambda: good.astype(np.uint8)),
                    ("as floats", lambda: good.astype(float))]
    elif isinstance(good, torch.Tensor):
        out += [("as an array", lambda: good.numpy().copy()), ("as a list", good.tolist)]
    elif isinstance(good, bool):
        out += [("as an int", lambda: int(good)), ("numpy bool", lambda: np.bool_(good))]
    elif isinstance(good, int):
        out += [("huge", lambda: 10**9), ("as a float", lambda: float(good)),
                ("numpy int", lambda: np.int64(good)), ("as text", lambda: str(good)),
                ("as a 0-d tensor", lambda: torch.tensor(good)), ("negative", lambda: -good - 1)]
    elif isinstance(good, float):
        out += [("negated", lambda: -good), ("as text", lambda: str(good)),
                ("float32", lambda: np.float32(good)), ("0-d array", lambda: np.array(good)),
                ("0-d tensor", lambda: torch.tensor(good)), ("tiny", lambda: 1e-300),
                ("huge", lambda: 1e300)]
    elif isinstance(good, str):
        out += [("upper case", good.upper), ("long", lambda: good * 2000),
                ("with a NUL", lambda: good + "\x00")]
    elif isinstance(good, (list, tuple)) and good:
        out += [("as a tuple", lambda: tuple(good)), ("one entry", lambda: good[:1]),
                ("an entry None", lambda: [*good, None]),
                ("an entry huge", lambda: [*good[:-1], 10**9]),
                ("entries as text", lambda: [str(v) for v in good])]
        if all(isinstance(v, (int, float)) for v in good):
            out.append(("as an array", lambda: np.array(good)))
    elif isinstance(good, dict) and good:
        key = next(iter(good))
        out += [("a value None", lambda: {**good, key: None}),
                ("a value text", lambda: {**good, key: "abc"}),
                ("a value NaN", lambda: {**good, key: float("nan")}),
                ("items", lambda: list(good.items()))]
    elif isinstance(good, torch.nn.Module):
        out += [("in float32", lambda: good.float()), ("an empty Sequential", torch.nn.Sequential)]
    elif callable(good):
        out += [("no parameters", lambda: lambda: None)]
    return out


def _wrong(good):
    numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                        st.integers(min_value=-3, max_value=64), st.text(max_size=4))
    made = _transforms(good)
    return st.one_of(*([st.sampled_from(made)] if made else []), st.sampled_from(GENERIC),
                     numbers.map(lambda v: (repr(v), lambda: v)))


def _arguments(fn, good):
    """The names a wrong value may replace: the signature's, and the baseline's
    (a keyword caught by **kwargs, such as an explorer's grid)."""
    params = [p.name for p in inspect.signature(fn).parameters.values()
              if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return params + [k for k in good if k not in params]


def _allowed_error(exc, arg):
    """A ValueError or TypeError (the exact classes) whose message names ``arg``."""
    return type(exc) in (ValueError, TypeError) and names(str(exc), arg)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(("key", "fn", "good"), CASES, ids=[c[0] for c in CASES])
def test_a_wrong_argument_is_named_and_never_hangs(key, fn, good):
    arguments = _arguments(fn, good())
    if not arguments:
        with _time_limit(key):
            fn()
        return

    @PROPERTY
    @given(st.data())
    def one_wrong_argument(data):
        before = set(plt.get_fignums())
        kwargs = good()
        arg = data.draw(st.sampled_from(arguments), label="argument")
        baseline = kwargs.get(arg)
        label, make = data.draw(_wrong(baseline), label="value")
        kwargs[arg] = make()
        made = set(plt.get_fignums())  # the baseline's own figures (encode's)
        refuse = _must_refuse(key, fn, arg, baseline, label)
        try:
            with _time_limit(f"{key}({arg}={label})"):
                fn(**kwargs)
        except (ValueError, TypeError) as exc:
            assert _allowed_error(exc, arg), (
                f"{key} with {arg} = {label}: {type(exc).__name__} does not name {arg!r}: "
                f"{exc}")
            assert set(plt.get_fignums()) <= made, f"{key} left a figure open refusing"
        except Exception as exc:
            pytest.fail(f"{key} with {arg} = {label} raised {type(exc).__name__}, not a "
                        f"ValueError or TypeError naming {arg!r}: {exc}")
        else:
            assert not refuse, f"{key} accepted {arg} = {label}: it must refuse it by name"
        finally:
            for num in set(plt.get_fignums()) - before:
                plt.close(num)

    one_wrong_argument()


# ------------------------------------------------------------------ exercise checks

def _checks():
    return dict(checks.REGISTRY)


def _answers():
    """A student's wrong answer: not a function, a function that fails, or one that
    returns a wrong value of any kind."""
    values = st.sampled_from(GENERIC) | st.one_of(
        st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
        st.lists(st.floats(allow_nan=True), max_size=3), st.text(max_size=4),
    ).map(lambda v: (repr(v), lambda: v))
    returning = values.map(
        lambda pair: (f"a function returning {pair[0]}",
                      lambda: (lambda *a, **k: pair[1]())))
    extra = st.sampled_from([
        ("no parameters", lambda: lambda: 0.5),
        ("returns its input", lambda: lambda *a, **k: a[0] if a else None),
        ("returns text of the input", lambda: lambda *a, **k: [str(v) for v in
                                                               np.ravel(a[0])]),
        ("returns the input as a tensor that requires grad",
         lambda: lambda *a, **k: torch.tensor(np.asarray(a[0], float), requires_grad=True)),
    ])
    return st.one_of(values, returning, extra)


@pytest.mark.parametrize("name", sorted(_checks()))
def test_a_check_never_crashes_on_a_wrong_answer(name, capsys):
    check = _checks()[name]

    @PROPERTY
    @given(_answers())
    def one_answer(answer):
        label, make = answer
        try:
            with _time_limit(f"checks.{name}({label})"):
                check(make())
        except AssertionError as exc:
            assert "Hint:" in str(exc), f"checks.{name}({label}): no hint in {exc}"
        except Exception as exc:
            pytest.fail(f"checks.{name}({label}) crashed with {type(exc).__name__}: {exc}")
        else:  # a right answer by chance: only "Correct" may be printed
            assert capsys.readouterr().out.startswith("Correct")

    one_answer()


def test_the_property_tests_find_every_module():
    found = {key.rpartition(".")[0] for key in PUBLIC}
    of_checks = {check.__module__.removeprefix("lib.") for check in checks.REGISTRY.values()}
    modules = {name for name, _, package in _modules() if not package} - of_checks
    assert found == modules, modules ^ found
    assert "checks.ch04_relu" in of_checks and "activations" in found

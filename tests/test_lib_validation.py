"""Every public function of lib answers a wrong call with ValueError or TypeError whose
message names the argument (CONTRIBUTING.md: a student's wrong call gets a sentence, not a stack
of internals). Each function has a good baseline call; each bad call changes one argument
of it, so a test can only pass because of that argument. The calls are in
tests/support/lib_calls.py."""

import importlib
import pkgutil
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from lib_calls import (  # noqa: E402
    BAD,
    GOOD,
    X,
    Y,
    _figure_axes,
    _history,
    _model,
    _seed_runs,
    _split,
    names,
)
from torch import nn  # noqa: E402

import lib  # noqa: E402
from lib import (  # noqa: E402
    activations,
    checks,
    data,
    explorer,
    nets,
    plots,
    probes,
    train,
    widgets,
)

# tiny models: extra threads only contend with the other xdist worker (and can be
# many times slower when two processes spin on two cores)
torch.set_num_threads(1)

# values that are these functions are factories (figures, Axes, histories): made at call time
FACTORIES = (plt.figure, _figure_axes, _history)


def _make(value):
    return value() if any(value is f for f in FACTORIES) else value


def _id(case):
    name, arg, value = case
    text = getattr(value, "__name__", None) or repr(value)
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", re.sub(r"\s+", " ", text))  # same on every worker
    return f"{name}-{arg}={text[:30]}"


def _prepare(func_id, /, **override):
    """The function and its good keyword arguments, with ``override`` applied."""
    fn, good = GOOD[func_id]
    kwargs = good()
    for key, value in override.items():
        if isinstance(value, dict):
            value = {k: _make(v) for k, v in value.items()}
        elif isinstance(value, list):
            value = [_make(v) for v in value]
        kwargs[key] = _make(value)
    return fn, kwargs


def _call(func_id, /, **override):
    fn, kwargs = _prepare(func_id, **override)
    return fn(**kwargs)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_call_works(name):
    _call(name)


def _lib_modules():
    """(name under lib, module) for every module of lib, subpackages' included (a new
    one too); private modules (a name part starting with _) excepted."""
    for info in pkgutil.walk_packages(lib.__path__, "lib."):
        name = info.name.removeprefix("lib.")
        if not any(part.startswith("_") for part in name.split(".")):
            yield name, importlib.import_module(info.name)


#: Functions whose wrong calls are tested elsewhere, and where.
ELSEWHERE = {
    "explorer.explore": "tests/test_lib_explorer.py, BAD",
    "explorer.encode": "test_issue15_5_encode_needs_a_figure, below",
}
#: Functions with no argument to get wrong, or that take any value.
EXEMPT = {"plots.use_style", "plots.color", "explorer.clear_cache"}


def test_every_public_function_is_covered():
    """Every public function defined in a module of lib, found by walking the package,
    has a wrong call in BAD, or its wrong calls are tested elsewhere, or it has no
    argument to get wrong. An exercise check takes a student's answer instead of
    arguments: tests/test_lib_checks.py and test_lib_properties.py hold each registered
    check to its own promise."""
    covered = {name.split(" ")[0] for name, _, _ in BAD}
    found = set()
    for mod_name, module in _lib_modules():
        for attr, obj in vars(module).items():
            if (attr.startswith("_") or not callable(obj) or isinstance(obj, type)
                    or getattr(obj, "__module__", None) != module.__name__
                    or obj in checks.REGISTRY.values()):
                continue
            full = f"{mod_name}.{attr}"
            found.add(full)
            assert full in covered or full in ELSEWHERE or full in EXEMPT, (
                f"{full} has no bad-call case: add one to tests/support/lib_calls.py's BAD")
    assert found >= {"activations.relu", "conv.conv2d", "widgets.kernel_playground"}
    stale = (set(ELSEWHERE) | EXEMPT) - found
    assert not stale, f"{sorted(stale)}: listed here, but lib no longer has them"


@pytest.mark.parametrize("case", BAD, ids=[_id(c) for c in BAD])
def test_bad_call_names_the_argument(case):
    name, arg, value = case
    fn, kwargs = _prepare(name, **{arg: value})
    before = set(plt.get_fignums())
    with pytest.raises((ValueError, TypeError)) as info:
        fn(**kwargs)
    # the exact classes, not subclasses from inside numpy or torch
    assert type(info.value) in (ValueError, TypeError), repr(info.value)
    message = str(info.value)
    assert names(message, arg), f"{arg!r} not named in: {message}"
    # a refused call draws nothing: no stray empty figure shown below the error
    assert set(plt.get_fignums()) == before, f"{name} left a figure open after refusing"


def test_plots_return_their_axes_and_draw():
    ax = _call("plots.plot_lines")
    assert isinstance(ax, matplotlib.axes.Axes) and len(ax.lines) == 2
    assert ax.lines[0].get_color().lower() == plots.color("relu").lower()
    assert ax.lines[1].get_linestyle() == "--"
    assert ax.get_legend()._loc == 2  # matplotlib's code for "upper left"
    fig, axes = plots.figure(ncols=2)
    assert _call("plots.plot_grad_norms", ax=axes[1]) is axes[1]
    assert axes[1].get_yscale() == "log"
    ax = _call("plots.plot_history")
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0.1, 0.4])
    assert ax.lines[0].get_linestyle() == ":"


def test_plots_style_and_palette():
    plots.use_style()
    assert tuple(plt.rcParams["figure.figsize"]) == plots.FIGSIZE
    assert plots.color("sigmoid") == plots.PALETTE["vermillion"]
    assert plots.color("not an activation") is None
    assert len(set(plots.ACTIVATION_COLORS.values())) == len(plots.ACTIVATION_COLORS)
    fig, axes = plots.figure(ncols=3, nrows=2)
    assert axes.shape == (2, 3)
    assert tuple(fig.get_size_inches()) == pytest.approx((plots.FIGSIZE[0], 2 * plots.FIGSIZE[1]))


# ================================================================ issue 15: regressions
# Each example of issue 15 ("lib under bad input"), by the issue's item number. The
# property-based test (tests/test_lib_properties.py) draws many more.


def _refused(fn, arg, /, *args, **kwargs):
    """Call ``fn``; it must raise exactly ValueError or TypeError naming ``arg`` and
    leave no figure open. Returns the message."""
    before = set(plt.get_fignums())
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    assert type(info.value) in (ValueError, TypeError), repr(info.value)
    assert names(str(info.value), arg), f"{arg!r} not named in: {info.value}"
    assert set(plt.get_fignums()) == before, "a refused call left a figure open"
    return str(info.value)


def test_issue15_2_fit_on_an_array_with_negative_strides():
    history = train.fit(_model(), X[::-1], Y[::-1], epochs=2, lr=0.1)
    same = train.fit(_model(), X[::-1].copy(), Y[::-1].copy(), epochs=2, lr=0.1)
    assert history.loss == same.loss


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
def test_issue15_2_fit_on_unsigned_labels(dtype):
    assert train.fit(_model(), X, Y.astype(dtype), epochs=1, lr=0.1).loss == \
        train.fit(_model(), X, Y, epochs=1, lr=0.1).loss
    assert train.evaluate(_model(), X, torch.from_numpy(Y.astype(dtype)))[1] >= 0


def test_issue15_2_fit_and_fit_many_inside_no_grad():
    want = train.fit(_model(), X, Y, epochs=2, lr=0.1).loss
    with torch.no_grad():
        assert train.fit(_model(), X, Y, epochs=2, lr=0.1).loss == want
        got = train.fit_many([_model()], X, Y, epochs=2, lr=0.1)[0].loss
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_issue15_2_fit_many_with_a_model_whose_layers_are_shared():
    def shared():
        torch.manual_seed(0)
        layer = nn.Linear(4, 4, dtype=torch.float64)
        return nn.Sequential(layer, nn.Tanh(), layer, nn.Tanh(),
                             nn.Linear(4, 3, dtype=torch.float64))

    alone = shared()
    want = train.fit(alone, X, Y, epochs=3, lr=0.1).loss
    together = [shared(), shared()]
    histories = train.fit_many(together, X, Y, epochs=3, lr=0.1)
    for h, model in zip(histories, together):
        np.testing.assert_allclose(h.loss, want, rtol=1e-10)
        assert model[0] is model[2]  # still shared after the write-back
        torch.testing.assert_close(model[0].weight, alone[0].weight)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_issue15_3_nan_or_inf_in_the_data_is_refused(bad):
    Xbad = X.copy()
    Xbad[2, 1] = bad
    for call in (lambda: train.fit(_model(), Xbad, Y, epochs=1, lr=0.1),
                 lambda: train.evaluate(_model(), Xbad, Y),
                 lambda: train.fit_many([_model()], Xbad, Y, epochs=1, lr=0.1),
                 lambda: probes.dead_units(_model(), Xbad),
                 lambda: probes.backprop_norms(_model(), Xbad, Y)):
        assert "finite" in _refused(call, "X")
    _refused(train.fit, "test", _model(), X, Y, epochs=1, lr=0.1, test=(Xbad, Y))


def test_issue15_3_an_empty_data_set_is_refused():
    none = X[:0]
    assert "at least one example" in _refused(train.evaluate, "X", _model(), none, Y[:0])
    _refused(train.fit, "X", _model(), none, Y[:0], epochs=1, lr=0.1)
    # every unit used to be reported dead on no examples at all
    assert "at least one example" in _refused(probes.dead_units, "X", _model(), none)
    _refused(probes.hidden_outputs, "X", _model(), none)


def test_issue15_3_a_nan_tolerance_is_refused_whatever_the_activation():
    torch.manual_seed(0)
    custom = nets.mlp([4, 5, 3], activation=lambda x: x * torch.sigmoid(x))
    _refused(probes.activation_stats, "tol", custom, X, tol=float("nan"))
    _refused(probes.activation_stats, "tol", _model(), X, tol=float("nan"))


@pytest.mark.parametrize("fraction", [0.999, 0.001])
def test_issue15_3_a_test_fraction_that_empties_a_set_is_refused(fraction):
    message = _refused(data.digits, "test_fraction", test_fraction=fraction)
    assert "empty" in message and "between 0.003 and 0.997" in message
    split = data.digits(test_fraction=0.997)  # the range's ends work
    assert len(split.y_train) and len(split.y_test)


@pytest.mark.parametrize("activation", [lambda x: (x > 0).long(), lambda x: x.float(),
                                        lambda x: (x > 0).to(torch.int32)])
def test_issue15_3_an_activation_that_returns_another_dtype_is_refused(activation):
    assert "dtype" in _refused(nets.mlp, "activation", [4, 5, 3], activation=activation)


@pytest.mark.parametrize("logy", ["yes", 1, None, np.array([True])])
def test_issue15_3_logy_must_be_a_bool(logy):
    _refused(plots.plot_lines, "logy", [0.0, 1.0], {"a": [1.0, 2.0]}, logy=logy)
    plots.plot_lines([0.0, 1.0], {"a": [1.0, 2.0]}, logy=np.bool_(True))


@pytest.mark.parametrize(("arg", "value", "words"), [
    ("depth", 17, "<= 16"), ("depth", 32, "<= 16"), ("lr", 0.0005, ">= 0.001"),
    ("lr", 1.5, "<= 1.0"), ("lr", 10.0, "<= 1.0")])
def test_issue15_4_the_playground_refuses_values_outside_its_sliders(arg, value, words):
    # they used to be moved silently to the slider's end (16, 0.001 or 1)
    message = _refused(widgets.activation_playground, arg, _split(), **{arg: value})
    assert words in message
    box = widgets.activation_playground(_split(), depth=16, lr=1.0).box
    sliders = {c.description: c for c in box.children[2].children + (box.children[3],)}
    assert sliders["hidden layers"].value == 16 and sliders["learning rate"].value == 1.0


@pytest.mark.parametrize(("call", "arg"), [
    (lambda v: activations.leaky_relu([1.0], slope=v), "slope"),
    (lambda v: nets.mlp([4, 3], gain=v), "gain"),
    (lambda v: nets.mlp([4, 3], bias=v), "bias"),
    (lambda v: train.fit(_model(), X, Y, epochs=1, lr=v), "lr"),
    (lambda v: data.digits(test_fraction=v), "test_fraction"),
    (lambda v: plots.figure(width=v), "width"),
    (lambda v: train.fit(_model(), X, Y, epochs=v, lr=0.1), "epochs"),
    (lambda v: nets.init_std("xavier", v, 3), "fan_in"),
])
@pytest.mark.parametrize("huge", [10**400, -(10**400)])
def test_issue15_5_a_number_too_large_for_a_float_is_named(call, arg, huge):
    _refused(call, arg, huge)


def test_issue15_5_explore_names_a_value_too_large_for_a_float():

    _refused(explorer.explore, "depth", lambda depth: plt.figure(), depth=[1, 10**400])


def test_issue15_5_a_model_whose_layers_do_not_chain_is_named():
    broken = nn.Sequential(nn.Linear(4, 5, dtype=torch.float64), nn.ReLU(),
                           nn.Linear(6, 3, dtype=torch.float64))
    for call in (lambda: probes.dead_units(broken, X), lambda: probes.grad_norms(broken, X, Y),
                 lambda: train.evaluate(broken, X, Y)):
        assert "do not fit together" in _refused(call, "model")
    assert "features" in _refused(probes.active_share, "X", _model(), np.zeros((6, 5)))


@pytest.mark.parametrize(("kwargs", "arg"), [
    ({"styles": {"other": {"no_such_property": 1}}}, "styles"),
    ({"styles": {"other": {"linestyle": "wiggly"}}}, "styles"),
    ({"legend": {"no_such_keyword": 1}}, "legend"),
    ({"legend": {"loc": "nowhere"}}, "legend"),
    ({"title": ["a", "list"]}, "title"),
    ({"xlabel": None}, "xlabel"),
])
def test_issue15_5_plot_keywords_are_checked_before_a_figure_opens(kwargs, arg):
    _refused(plots.plot_lines, arg, [0.0, 1.0], {"other": [1.0, 2.0]}, **kwargs)
    if "styles" in kwargs:
        _refused(plots.plot_history, arg, {"other": _history()}, **kwargs)
        _refused(plots.plot_runs, arg, {"other": _seed_runs()}, **kwargs)


def test_issue15_5_a_style_may_set_the_label():
    ax = plots.plot_lines([0.0, 1.0], {"a": [1.0, 2.0]}, styles={"a": {"label": "b"}})
    assert ax.lines[0].get_label() == "b"


@pytest.mark.parametrize(("expression", "words"), [
    ("x.float()", "dtype"), ("(x > 0).long()", "dtype"),
    ("(" * 100_000 + "x" + ")" * 100_000, "characters"),
    ("-" * 100_000 + "x", "characters"), ("x" + " + x" * 30_000, "characters"),
    ("x.resize_(3)", "same shape"), ("x.add_(1)", "in place"), ("x.mul_(2)", "in place"),
])
def test_issue15_5_the_formula_box_answers_with_a_sentence(expression, words):
    assert words in _refused(widgets.parse_activation, "expression", expression)


def test_issue15_5_a_deeply_nested_formula_under_the_length_limit():
    _refused(widgets.parse_activation, "expression", "(" * 300 + "x" + ")" * 300)
    fn = widgets.parse_activation("-" * 990 + "x")  # long, and valid
    assert torch.equal(fn(torch.ones(2, dtype=torch.float64)), torch.ones(2, dtype=torch.float64))


@pytest.mark.parametrize("fn", [np.tanh, np.exp, lambda t: t.detach().numpy(),
                                lambda t: torch.ones(3), lambda t: None])
def test_issue15_5_derivative_of_a_function_that_is_not_torch(fn):
    _refused(widgets.derivative, "activation", fn, [0.0, 1.0])


@pytest.mark.parametrize(("kwargs", "arg"), [({"fn": None}, "fn"), ({"fn": 3}, "fn"),
                                             ({"fn": torch.tanh, "name": 3}, "name")])
def test_issue15_5_elementwise_checks_its_arguments(kwargs, arg):
    _refused(nets.Elementwise, arg, **kwargs)


@pytest.mark.parametrize("fig", [None, "fig", "an Axes"])
def test_issue15_5_encode_needs_a_figure(fig):

    _refused(explorer.encode, "fig", plt.figure().gca() if fig == "an Axes" else fig)

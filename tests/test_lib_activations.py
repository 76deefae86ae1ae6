"""lib.activations against torch autograd in float64, including x = 0 and huge |x|."""

import warnings

import numpy as np
import pytest
import torch

from lib import activations

# tiny models: extra threads only contend with the other xdist worker (and can be
# many times slower when two processes spin on two cores)
torch.set_num_threads(1)

# 0 exactly, both sides of it, the saturated region and values whose exp() overflows
GRID = np.concatenate(
    [
        [-1000.0, -745.0, -700.0, -100.0, -50.0, -20.0, -1e-12, 0.0, 1e-300, 1e-12],
        np.linspace(-8.0, 8.0, 161),
        [20.0, 50.0, 100.0, 700.0, 745.0, 1000.0],
    ]
)
SLOPES = [0.0, 0.01, 0.1, 0.2, 0.5]


def _torch_pair(torch_fn, x):
    """Value and derivative of a torch function at every point of x (float64 autograd)."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch_fn(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), g.numpy()


def _strict_call(fn, *args, **kwargs):
    """Call fn with overflow, invalid operations, division by zero and every warning as
    errors. Underflow stays allowed: exp(-1000) rounding to 0 is the right answer."""
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


TORCH = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
}


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_function_and_derivative_match_torch_autograd(name):
    fn, prime = activations.get(name)
    want_y, want_g = _torch_pair(TORCH[name], GRID)
    got_y = _strict_call(fn, GRID)
    got_g = _strict_call(prime, GRID)
    assert not np.isnan(got_y).any() and not np.isnan(got_g).any()
    # relative agreement, even in sigmoid's tails (atol only absorbs subnormals:
    # exp(-745) = 5e-324 against 0); 1 - tanh(x)**2 cancels, so it is accurate to
    # a few ulps of 1 only, and two correct implementations differ by ~1e-16 there
    atol = 1e-15 if name == "tanh" else 1e-300
    np.testing.assert_allclose(got_y, want_y, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-12, atol=atol)


@pytest.mark.parametrize("slope", SLOPES)
def test_leaky_relu_with_any_slope_matches_torch(slope):
    want_y, want_g = _torch_pair(
        lambda t: torch.nn.functional.leaky_relu(t, negative_slope=slope), GRID
    )
    np.testing.assert_allclose(_strict_call(activations.leaky_relu, GRID, slope), want_y,
                               rtol=1e-15, atol=0)
    np.testing.assert_array_equal(
        _strict_call(activations.leaky_relu_prime, GRID, slope=slope), want_g
    )


def test_default_slope_is_torchs_0_01():
    x = np.array([-3.0, -0.5, 0.0, 2.0])
    np.testing.assert_array_equal(activations.leaky_relu(x), [-0.03, -0.005, 0.0, 2.0])
    np.testing.assert_array_equal(activations.leaky_relu_prime(x), [0.01, 0.01, 0.01, 1.0])


def test_derivatives_at_zero_are_torchs_subgradients():
    _, g_relu = _torch_pair(torch.relu, np.array([0.0]))
    assert g_relu[0] == 0.0
    assert activations.relu_prime(0.0) == 0.0
    assert activations.relu_prime(np.array([0.0]))[0] == g_relu[0]
    for slope in SLOPES:
        _, g = _torch_pair(lambda t, s=slope: torch.nn.functional.leaky_relu(t, s), [0.0])
        assert g[0] == slope
        assert activations.leaky_relu_prime(0.0, slope) == slope
    # -0.0 is not > 0 either
    assert activations.relu_prime(-0.0) == 0.0


def test_extreme_inputs_saturate_cleanly():
    big = np.array([-1000.0, -700.0, 700.0, 1000.0])
    s = _strict_call(activations.sigmoid, big)
    np.testing.assert_array_equal(s[[0, 2, 3]], [0.0, 1.0, 1.0])
    assert 0.0 < s[1] < 1e-300
    np.testing.assert_array_equal(_strict_call(activations.tanh, big), [-1, -1, 1, 1])
    np.testing.assert_array_equal(_strict_call(activations.tanh_prime, big), [0, 0, 0, 0])
    assert (_strict_call(activations.sigmoid_prime, big) >= 0).all()
    assert _strict_call(activations.sigmoid_prime, 1000.0) == 0.0


def test_sigmoid_is_symmetric_and_in_range():
    x = np.linspace(-40, 40, 801)
    s = activations.sigmoid(x)
    np.testing.assert_allclose(s + activations.sigmoid(-x), 1.0, rtol=0, atol=1e-15)
    assert ((s >= 0) & (s <= 1)).all()
    assert np.all(np.diff(s) >= 0)


def test_derivative_maxima_at_zero():
    x = np.linspace(-10, 10, 20001)  # contains 0 exactly
    assert 0.0 in x
    sp = activations.sigmoid_prime(x)
    tp = activations.tanh_prime(x)
    assert sp.max() == 0.25 and x[sp.argmax()] == 0.0
    assert tp.max() == 1.0 and x[tp.argmax()] == 0.0
    assert (sp[x != 0] < 0.25).all()
    assert (tp[x != 0] < 1.0).all()


def test_derivatives_match_finite_differences():
    x = np.linspace(-5, 5, 101) + 0.013  # keep away from the kinks
    h = 1e-6
    for name in activations.NAMES:
        fn, prime = activations.get(name)
        fd = (fn(x + h) - fn(x - h)) / (2 * h)
        np.testing.assert_allclose(prime(x), fd, rtol=1e-6, atol=1e-8, err_msg=name)


def test_get_returns_the_pair_for_every_name():
    assert activations.NAMES == ("sigmoid", "tanh", "relu", "leaky_relu")
    assert activations.get("sigmoid") == (activations.sigmoid, activations.sigmoid_prime)
    assert activations.get("tanh") == (activations.tanh, activations.tanh_prime)
    assert activations.get("relu") == (activations.relu, activations.relu_prime)
    assert activations.get("leaky_relu") == (
        activations.leaky_relu,
        activations.leaky_relu_prime,
    )


@pytest.mark.parametrize("bad", ["softmax", "ReLU", "", "relu "])
def test_get_unknown_name_says_what_is_allowed(bad):
    with pytest.raises(ValueError) as info:
        activations.get(bad)
    message = str(info.value)
    assert "name" in message
    assert repr(bad) in message
    for allowed in activations.NAMES:
        assert allowed in message


@pytest.mark.parametrize("bad", [None, 3, ("relu",)])
def test_get_non_string_is_a_type_error(bad):
    with pytest.raises(TypeError, match="name"):
        activations.get(bad)


FUNCTIONS = [
    activations.sigmoid,
    activations.sigmoid_prime,
    activations.tanh,
    activations.tanh_prime,
    activations.relu,
    activations.relu_prime,
    activations.leaky_relu,
    activations.leaky_relu_prime,
]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "x",
    [0.5, -2, np.float32(1.5), [-1.0, 0.0, 2.0], np.arange(-3, 3), np.ones((3, 4)),
     np.zeros((0,))],
    ids=["float", "int", "np-scalar", "list", "1-D-int", "2-D", "empty"],
)
def test_shape_preserved_and_float64(fn, x):
    out = fn(x)
    # a 0-d array or a numpy float for a scalar input, an array of x's shape otherwise
    assert isinstance(out, (np.ndarray, np.floating))
    assert np.shape(out) == np.shape(x)
    assert out.dtype == np.float64


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_values_elementwise_on_2d(fn):
    x = np.array([[-2.0, 0.0, 3.0], [0.5, -0.25, 7.0]])
    np.testing.assert_array_equal(fn(x), np.vectorize(lambda v: float(fn(v)))(x))


def test_input_is_not_modified():
    x = np.array([-2.0, 0.0, 3.0])
    keep = x.copy()
    for fn in FUNCTIONS:
        fn(x)
    np.testing.assert_array_equal(x, keep)

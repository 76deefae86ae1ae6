"""Reference activation functions and their derivatives, in numpy.

Introduced in chapter "Sigmoid and the vanishing gradient" (sigmoid, tanh) and used
again in the ReLU and dying-ReLU chapters (relu, leaky_relu). Each function takes a
number or an array and returns a float array of the same shape. The derivatives follow
torch autograd, including at the kinks: ``relu_prime(0) == 0`` and
``leaky_relu_prime(0) == slope``.
"""

from __future__ import annotations

import numpy as np

from lib import _validate

#: The names :func:`get` understands, in the order chapters introduce them.
NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), computed without overflow for large |x|."""
    x = _validate.array("x", x)
    # exp of a non-positive number never overflows
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_prime(x):
    """Derivative of the sigmoid, sigma(x) * (1 - sigma(x)); at most 0.25, at x = 0."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    """Hyperbolic tangent, with values in (-1, 1)."""
    return np.tanh(_validate.array("x", x))


def tanh_prime(x):
    """Derivative of tanh, 1 - tanh(x)**2; at most 1, at x = 0."""
    t = tanh(x)
    return 1.0 - t * t


def relu(x):
    """Rectified linear unit max(0, x) (chapter "The rectified linear unit")."""
    x = _validate.array("x", x)
    return np.maximum(x, 0.0)


def relu_prime(x):
    """Derivative of relu: 1 for x > 0, 0 for x <= 0 (torch autograd's choice at 0)."""
    x = _validate.array("x", x)
    return (x > 0).astype(np.float64)


def _slope(slope):
    return _validate.real("slope", slope, low=0.0, high=1.0, high_open=True)


def leaky_relu(x, slope=0.01):
    """Leaky ReLU: x for x > 0, slope * x otherwise (chapter "Dying ReLUs").

    ``slope`` is torch's ``negative_slope``: default 0.01 as in Maas et al. (2013);
    allowed values are 0 <= slope < 1.
    """
    slope = _slope(slope)
    x = _validate.array("x", x)
    return np.where(x > 0, x, slope * x)


def leaky_relu_prime(x, slope=0.01):
    """Derivative of :func:`leaky_relu`: 1 for x > 0, ``slope`` for x <= 0 (as torch)."""
    slope = _slope(slope)
    x = _validate.array("x", x)
    return np.where(x > 0, 1.0, slope)


def get(name: str):
    """Return ``(function, derivative)`` for an activation name from :data:`NAMES`."""
    _validate.choice("name", name, NAMES)
    table = {
        "sigmoid": (sigmoid, sigmoid_prime),
        "tanh": (tanh, tanh_prime),
        "relu": (relu, relu_prime),
        "leaky_relu": (leaky_relu, leaky_relu_prime),
    }
    return table[name]

"""Checks of the exercises of chapter 3, "Sigmoid and the vanishing gradient"."""

from __future__ import annotations

import numpy as np

from lib import activations
from lib.checks._common import _call, _elementwise, _number, _wrong, check


@check
def sigmoid_prime(fn) -> None:
    """Check a student's derivative of the sigmoid on a grid from -30 to 30."""
    x = np.linspace(-30, 30, 241)
    _elementwise(
        fn, "sigmoid_prime", activations.sigmoid_prime,
        "the derivative is sigma(x) * (1 - sigma(x)), largest (0.25) at x = 0.", x,
    )
    print("Correct: sigmoid_prime(x) = sigma(x)(1 - sigma(x)) at 241 points in [-30, 30].")


@check
def balancing_gain(fn) -> None:
    """Check a student's ``balancing_gain(slope)``: the factor by which to multiply
    Xavier's weights so that a layer of centred units with ``slope`` at 0 passes the
    signal on at its own size (1 / slope). Then measure it: 12-layer networks of
    ``slope * tanh`` units, initialised that way, must pass the back-propagated error
    from the top hidden layer to the first within a factor of 10."""
    import torch  # here, so that importing lib.checks stays cheap

    from lib import nets, probes

    gains = {}
    for slope in (0.25, 0.5, 1.0, 0.1, 0.8):
        call = f"balancing_gain({slope:g})"
        got = gains[slope] = _number(_call(fn, "balancing_gain", slope), call)
        if not np.isfinite(got) or not np.isclose(got, 1 / slope, rtol=1e-6, atol=0):
            raise _wrong(call, got, 1 / slope,
                         "with Xavier's weights a square layer stretches a signal by about "
                         "1; the unit then multiplies it by its slope. Which gain makes the "
                         "product 1?")
    rng = np.random.default_rng(0)
    X = 0.1 * rng.normal(size=(200, 32))  # small signals: the units work near 0
    y = rng.integers(0, 10, size=200)
    ratios = []
    for slope in (0.25, 1.0):
        torch.manual_seed(0)
        model = nets.mlp([32] + [32] * 12 + [10], init="xavier", bias="zeros",
                         activation=lambda x, s=slope: s * torch.tanh(x),
                         gain=gains[slope])
        err = probes.backprop_norms(model, X, y)
        ratios.append(err[0] / err[-2])
    if not all(0.1 < r < 10 for r in ratios):  # pragma: no cover (values checked above)
        raise AssertionError(f"the measured error ratios {ratios} are not balanced")
    print("Correct: balancing_gain(slope) = 1 / slope. Measured on 12 hidden layers of "
          "slope * tanh units: the error reaching layer 1 is "
          f"{ratios[0]:.2f} (slope 1/4) and {ratios[1]:.2f} (slope 1) of that at the top.")

"""Checks of the exercises of chapter 4, "The rectified linear unit"."""

from __future__ import annotations

import numpy as np

from lib import activations
from lib.checks._common import _RELU_POINTS, _call, _elementwise, _number, _wrong, check


@check
def relu(fn) -> None:
    """Check a student's ``relu(x)`` (chapter "The rectified linear unit")."""
    _elementwise(
        fn, "relu", activations.relu,
        "relu(x) is max(0, x): x itself where x > 0 and 0 everywhere else.",
        _RELU_POINTS,
    )
    print(f"Correct: relu matches max(0, x) on {_RELU_POINTS.size} points, zero included.")


@check
def relu_prime(fn) -> None:
    """Check a student's ``relu_prime(x)``: 1 for x > 0, 0 for x <= 0 (torch's choice at 0)."""
    _elementwise(
        fn, "relu_prime", activations.relu_prime,
        "the slope is 1 where x > 0 and 0 where x < 0. At x = 0 any value in [0, 1] is a "
        "valid subgradient, but PyTorch's autograd (torch.relu) returns 0 there, and so "
        "must relu_prime(0).",
        _RELU_POINTS,
    )
    print(f"Correct: relu_prime is 1 for x > 0 and 0 for x <= 0 on {_RELU_POINTS.size} "
          "points, as torch.")


def _pieces(w, b, v) -> int:
    """Linear pieces of c + sum_j v_j relu(w_j x + b_j) on the real line (the reference)."""
    bends = (w != 0) & (v != 0)
    where = -b[bends] / w[bends]
    jump = (v * np.abs(w))[bends]
    kinks = [t for t in np.unique(where) if not np.isclose(jump[where == t].sum(), 0.0)]
    return len(kinks) + 1


def _pieces_cases():
    generic = np.random.default_rng(4)
    cases = [
        ("one unit", [1.0], [0.0], [1.0],
         "one unit bends the line once: two pieces."),
        ("three units with kinks at -1, 0 and 1", [1.0, 1.0, 1.0], [1.0, 0.0, -1.0],
         [1.0, -2.0, 1.0], "each unit j bends f at x = -b_j / w_j."),
        ("a unit with w = 0", [1.0, 0.0, 2.0], [0.0, 1.0, -2.0], [1.0, 1.0, 1.0],
         "a unit with w_j = 0 outputs the constant relu(b_j): it has no kink."),
        ("a unit with v = 0", [1.0, 2.0], [0.0, -2.0], [1.0, 0.0],
         "a unit whose output weight v_j is 0 does not change f at all."),
        ("two units with the same kink", [1.0, 2.0], [-1.0, -2.0], [1.0, 1.0],
         "units whose kinks fall at the same x make one kink, not two."),
        ("two kinks that cancel", [0.5, -1.0], [1.0, -2.0], [-2.0, 1.0],
         "at a kink t the slope of f jumps by the sum of v_j |w_j| over the units that "
         "bend there; when that sum is 0 there is no kink at all."),
        ("a unit with a negative w", [-1.0, 1.0], [2.0, 2.0], [1.0, 1.0],
         "a unit with w_j < 0 bends f at x = -b_j / w_j too (it is on to the left of it)."),
    ]
    for size in (10, 25):
        w = generic.normal(size=size)
        b = generic.normal(size=size)
        v = generic.normal(size=size)
        cases.append((f"a random network of {size} units", w, b, v,
                      "k units in general position give k kinks and k + 1 pieces."))
    return [(name, np.array(w, float), np.array(b, float), np.array(v, float), hint)
            for name, w, b, v, hint in cases]


@check
def count_pieces(fn) -> None:
    """Check a student's ``count_pieces(w, b, v)``: the number of linear pieces, on the
    whole real line, of x -> c + sum_j v_j relu(w_j x + b_j) (chapter "The rectified
    linear unit"), on networks that include units without kinks and shared kinks."""
    cases = _pieces_cases()
    for name, w, b, v, hint in cases:
        call = "count_pieces(w, b, v)"
        got = _number(_call(fn, "count_pieces", w.copy(), b.copy(), v.copy()), call)
        want = _pieces(w, b, v)
        if got != want:
            shown = (f"w = {w.tolist()}, b = {b.tolist()}, v = {v.tolist()}"
                     if w.size <= 4 else f"{w.size} units")
            raise _wrong(f"For {name} ({shown}), count_pieces", got, want, hint)
    print(f"Correct: count_pieces is right on all {len(cases)} test networks\n"
          "(with units without a kink, shared kinks and cancelling kinks).")


def _sparsity(W, b) -> float:
    """Expected fraction of zeros of relu(W x + b) for x ~ N(0, I) (the reference)."""
    from math import erfc, sqrt

    sd = np.linalg.norm(W, axis=1)
    return float(np.mean([0.5 * erfc(bj / (s * sqrt(2))) for bj, s in zip(b, sd)]))


def _sparsity_cases():
    generic = np.random.default_rng(5)
    return [
        ("zero biases", generic.normal(size=(6, 4)), np.zeros(6),
         "with zero biases each pre-activation is symmetric about 0, so each unit is "
         "zero half of the time."),
        ("one unit, W = [[3, 4]], b = [5]", np.array([[3.0, 4.0]]), np.array([5.0]),
         "the pre-activation W_j x + b_j is Gaussian with mean b_j and standard "
         "deviation ||W_j||, the norm of row j (here 5, not its square 25)."),
        ("a random layer of 8 units", generic.normal(size=(8, 5)),
         generic.normal(size=8),
         "unit j is zero when W_j x + b_j <= 0, with probability Phi(-b_j / ||W_j||); "
         "average over the units."),
        ("negative biases", generic.normal(size=(5, 3)), -np.linspace(1.0, 3.0, 5),
         "a negative bias makes a unit zero more than half of the time."),
    ]


@check
def predicted_sparsity(fn) -> None:
    """Check a student's ``predicted_sparsity(W, b)``: the expected fraction of exact
    zeros in relu(W x + b) for x ~ N(0, I), averaged over the units (chapter "The
    rectified linear unit")."""
    cases = _sparsity_cases()
    for name, W, b, hint in cases:
        call = "predicted_sparsity(W, b)"
        got = _number(_call(fn, "predicted_sparsity", W.copy(), b.copy()), call)
        want = _sparsity(W, b)
        if not np.isclose(got, want, rtol=1e-6, atol=1e-9):
            if np.isclose(got, 1 - want, rtol=1e-6, atol=1e-9):
                hint = ("your number is the fraction of units that are *not* zero; "
                        "a unit is zero when its pre-activation is <= 0.")
            raise _wrong(f"For {name}, predicted_sparsity", got, want, hint)
    print(f"Correct: predicted_sparsity matches the mean of Phi(-b_j / ||W_j||) on "
          f"{len(cases)} layers.")


#: The fan-ins the He-variance check tries.
_FAN_INS = (1, 3, 64, 512)
#: The negative slopes he_variance tries: the ReLU, Maas et al.'s 0.01, PReLU's start.
_HE_SLOPES = (0.0, 0.01, 0.25)


@check
def he_variance(fn) -> None:
    """Check a student's ``he_variance(n_in, slope)``: the weight variance
    2 / ((1 + slope^2) n_in) that keeps the mean square of the pre-activations constant
    from layer to layer in a network of leaky ReLUs with negative slope ``slope``
    (slope 0: the ReLU and He's 2 / n_in; He et al. 2015, eq. 15, for the PReLU).
    Chapter "The rectified linear unit"."""
    for slope in _HE_SLOPES:
        for n_in in _FAN_INS:
            call = f"he_variance({n_in}, {slope})"
            got = _number(_call(fn, "he_variance", n_in, slope), call)
            want = 2.0 / ((1.0 + slope**2) * n_in)
            if np.isclose(got, want, rtol=1e-6, atol=0.0):
                continue
            if np.isclose(got, 1.0 / ((1.0 + slope**2) * n_in), rtol=1e-6, atol=0.0):
                hint = ("a unit keeps (1 + slope^2) Var(z) / 2 of the mean square, not "
                        "(1 + slope^2) Var(z): only half of a symmetric z is positive.")
            elif slope and np.isclose(got, 2.0 / n_in, rtol=1e-6, atol=0.0):
                hint = ("2 / n_in is right for the ReLU (slope 0); with a slope, the "
                        "negative half passes slope * z, which adds slope^2 Var(z) / 2.")
            elif slope and np.isclose(got, 2.0 / ((1.0 + slope) * n_in), rtol=1e-6,
                                      atol=0.0):
                hint = ("the negative half's contribution to the mean square is "
                        "E[(slope z)^2]: square the slope.")
            elif np.isclose(got, 1.0 / n_in, rtol=1e-6, atol=0.0):
                hint = ("1 / n_in keeps Var(z) only for a unit that passes all of its "
                        "input; a ReLU keeps E[relu(z)^2] = Var(z) / 2 of it.")
            elif np.isclose(got, np.sqrt(want), rtol=1e-6, atol=0.0):
                hint = ("that is the standard deviation; the exercise asks for the "
                        "variance.")
            elif np.isclose(got, 1.0 / (3 * n_in), rtol=1e-6, atol=0.0):
                hint = ("that is PyTorch's default, uniform on [-1/sqrt(n_in), "
                        "1/sqrt(n_in)]; find the variance that makes up for the unit.")
            else:
                hint = ("the next layer's pre-activation has variance n_in * Var(W) * "
                        "E[f(z)^2]; work out E[f(z)^2] for the leaky ReLU f and set "
                        "the variance equal to Var(z).")
            raise _wrong(call, got, want, hint)
    print(f"Correct: he_variance is right for {len(_FAN_INS)} layer widths and "
          f"{len(_HE_SLOPES)} slopes, 0 (the ReLU) included.")

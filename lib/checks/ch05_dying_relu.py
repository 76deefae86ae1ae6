"""Checks of the exercises of chapter 5, "Dying ReLUs and their cures"."""

from __future__ import annotations

import numpy as np

from lib import activations
from lib.checks._common import _RELU_POINTS, _as_array, _call, _number, _single, _wrong, check

#: The slopes the Leaky ReLU checks try: Maas et al.'s 0.01, the 0.1 of one of the
#: book's sources, a large one and 0 (plain ReLU).
_LEAKY_SLOPES = (0.01, 0.1, 0.3, 0.0)


def _leaky(fn, name, reference, hint_at_zero):
    x = _RELU_POINTS
    for slope in _LEAKY_SLOPES:
        want = reference(x, slope)
        got = _as_array(_call(fn, name, x.copy(), slope), name, x.shape)
        bad = ~np.isclose(got, want, rtol=1e-6, atol=1e-12)
        if not bad.any():
            continue
        i = int(np.flatnonzero(bad)[0])
        if np.allclose(got, reference(x, 0.01), rtol=1e-6, atol=1e-12):
            hint = ("your answer is right for slope 0.01 but ignores the slope argument: "
                    "use slope, not a fixed number.")
        elif x[i] == 0:
            hint = hint_at_zero
        elif x[i] < 0:
            hint = f"for x < 0 the answer depends on slope (here {slope:g})."
        else:
            hint = "for x > 0 Leaky ReLU is the plain ReLU."
        raise AssertionError(
            f"{name}({x[i]:g}, slope={slope:g}) gave {got[i]:.6g}, expected {want[i]:.6g} "
            f"({int(bad.sum())} of {x.size} test points wrong). Hint: {hint}")
    x = np.array([-2.0, 3.0])
    raw = _call(fn, name, x.copy())
    got = _as_array(raw, name, x.shape)
    # a float32 answer carries about 7 digits: 0.01 is 0.0099999998 there
    rtol = 1e-6 if _single(raw) else 1e-9
    if not np.allclose(got, reference(x, 0.01), rtol=rtol, atol=0):
        raise AssertionError(
            f"{name}(x) without a slope gave {got.tolist()} for x = [-2, 3], expected "
            f"{reference(x, 0.01).tolist()}. Hint: give slope the default value 0.01, "
            "as torch's negative_slope.")


@check
def leaky_relu(fn) -> None:
    """Check a student's ``leaky_relu(x, slope=0.01)`` (chapter "Dying ReLUs")."""
    _leaky(fn, "leaky_relu", activations.leaky_relu,
           "at x = 0 both branches give 0.")
    print(f"Correct: leaky_relu matches max(x, slope * x) on {_RELU_POINTS.size} points "
          f"for slopes {', '.join(f'{s:g}' for s in _LEAKY_SLOPES)}, and slope defaults "
          "to 0.01.")


@check
def leaky_relu_prime(fn) -> None:
    """Check a student's ``leaky_relu_prime(x, slope=0.01)``: 1 for x > 0 and ``slope``
    for x <= 0, torch's value at 0 (chapter "Dying ReLUs")."""
    _leaky(fn, "leaky_relu_prime", activations.leaky_relu_prime,
           "at x = 0 torch's autograd returns slope (the left-hand slope), and so must "
           "leaky_relu_prime(0).")
    print(f"Correct: leaky_relu_prime is 1 for x > 0 and slope for x <= 0 on "
          f"{_RELU_POINTS.size} points, for slopes "
          f"{', '.join(f'{s:g}' for s in _LEAKY_SLOPES)}.")


def _dead(pre) -> int:
    """Units (columns) whose pre-activation is <= 0 on every example (the reference)."""
    return int(np.sum(np.all(pre <= 0, axis=0)))


def _dead_cases():
    generic = np.random.default_rng(6)
    mixed = generic.normal(size=(50, 12))
    mixed[:, [1, 4, 5]] = -np.abs(mixed[:, [1, 4, 5]])   # three dead units
    mixed[:, 7] = -np.abs(mixed[:, 7])
    mixed[17, 7] = 0.3                                   # alive on one example only
    zeros = -np.abs(generic.normal(size=(30, 6)))
    zeros[:, 2] = 0.0                                    # exactly 0 everywhere: dead
    zeros[::2, 3] = 0.0                                  # 0 or negative: dead
    zeros[5, 4] = 1e-9                                   # alive, barely
    tall = generic.normal(size=(40, 3)) - 0.5
    tall[:, 0] = -1.0
    return [
        ("a layer of 12 units on 50 examples", mixed,
         "a unit is dead when its pre-activation is <= 0 on *every* example; one "
         "positive value is enough to keep it alive."),
        ("pre-activations that are exactly 0", zeros,
         "a pre-activation of exactly 0 gives relu output 0 and torch's gradient 0: "
         "it counts as off."),
        ("40 examples and 3 units", tall,
         "rows are examples and columns are units: count columns, not rows."),
        ("one example", generic.normal(size=(1, 8)),
         "with a single example, every unit with a pre-activation <= 0 is dead."),
        ("a layer with no dead unit", np.abs(generic.normal(size=(20, 5))) + 0.1,
         "no column is <= 0 everywhere here."),
        ("a layer where every unit is dead", -np.abs(generic.normal(size=(20, 5))),
         "every column is <= 0 everywhere here."),
    ]


@check
def count_dead(fn) -> None:
    """Check a student's ``count_dead(pre)``: the number of units (columns of the
    examples x units array of pre-activations) that are <= 0 on every example
    (chapter "Dying ReLUs")."""
    cases = _dead_cases()
    for name, pre, hint in cases:
        got = _number(_call(fn, "count_dead", pre.copy()), "count_dead(pre)")
        want = _dead(pre)
        if got != want:
            if 0 < got < 1:
                hint = "return the number of dead units, not their fraction."
            elif got == int(np.sum(np.all(pre <= 0, axis=1))) != want:
                hint = ("that is the number of *examples* on which every unit is off; "
                        "rows are examples and columns are units.")
            elif got == int(np.sum(np.all(pre < 0, axis=0))):
                hint = ("a pre-activation of exactly 0 gives relu output 0 and torch's "
                        "gradient 0, so use <= 0.")
            elif got == int(np.sum(np.any(pre <= 0, axis=0))):
                hint = ("you counted units that are off on *some* example; a dead unit "
                        "is off on every example.")
            raise _wrong(f"For {name} (shape {pre.shape}), count_dead", got, want, hint)
    print(f"Correct: count_dead is right on all {len(cases)} test layers "
          "(with exact zeros, one live example, one example only).")


def _born_dead_reference(width, depth, bias, trials=50_000, seed=12345, last_only=False):
    """The share of networks in which some hidden layer is all zero for the input of
    ones, simulated with many trials (the check's own answer). With ``last_only``,
    the share whose last hidden layer is zero: the same when the bias is <= 0 (a zero
    layer then stays zero), fewer when it is positive."""
    gen = np.random.default_rng(seed)
    h = np.ones((trials, width))
    dead = np.zeros(trials, dtype=bool)
    for _ in range(depth - 1):
        W = gen.standard_normal((trials, width, width)) * np.sqrt(2 / width)
        h = np.maximum(np.einsum("tij,tj->ti", W, h) + bias, 0.0)
        dead |= np.all(h == 0, axis=1)
    return float(np.mean(np.all(h == 0, axis=1) if last_only else dead))


#: (width, depth, bias) cases for born_dead_share: the formula's case, a wider net,
#: a positive and a negative bias.
_BORN_CASES = [(3, 10, 0.0), (5, 10, 0.0), (3, 10, 0.5), (3, 10, -0.2), (2, 4, 0.0)]


@check
def born_dead_share(fn) -> None:
    """Check a student's ``born_dead_share(width, depth, bias)``: the simulated share
    of random ReLU networks (He-scaled normal weights, every hidden bias ``bias``) in
    which some hidden layer is all zero for the input of ones (chapter "Dying
    ReLUs")."""
    for width, depth, bias in _BORN_CASES:
        call = f"born_dead_share({width}, {depth}, bias={bias})"
        got = _number(_call(fn, "born_dead_share", width, depth, bias), call)
        want = _born_dead_reference(width, depth, bias)
        formula = 1 - (1 - 2.0**-width) ** (depth - 1)
        if not 0 <= got <= 1:
            hint = "return the share of networks (between 0 and 1), not a count."
        elif bias == 0 and abs(got - (1 - (1 - 2.0**-width) ** depth)) < 0.02 \
                and abs(got - want) > 0.03:
            hint = ("a network with `depth` layers of weights has depth - 1 hidden "
                    "layers: count the last hidden layer, not the output layer.")
        elif bias != 0 and abs(got - formula) < 0.02 and abs(got - want) > 0.03:
            hint = "add the bias to every hidden layer's pre-activations."
        elif bias > 0 and abs(got - want) > 0.045 and abs(
                got - _born_dead_reference(width, depth, bias, last_only=True)) < 0.045:
            hint = ("a network is dead as soon as one hidden layer is all zero, not only "
                    "when the last one is: with a positive bias the layer above a zero "
                    "layer outputs relu(bias) and every later layer a constant, the same "
                    "for every input, and no gradient reaches the layers below it.")
        else:
            hint = ("draw new weights for every network and every layer, with standard "
                    "deviation sqrt(2 / width), and call a network dead as soon as every "
                    "unit of one hidden layer outputs exactly 0.")
        if not abs(got - want) <= 0.045:  # NaN fails too
            raise AssertionError(
                f"{call} gave {got:.3f}, expected about {want:.3f} (within 0.045: "
                f"a simulation of 2,000 networks or more is that close). Hint: {hint}")
    print(f"Correct: born_dead_share is within 0.045 of the check's own simulation "
          f"in all {len(_BORN_CASES)} cases (zero, positive and negative biases).")

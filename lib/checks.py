"""Checks that the chapters' exercise cells call.

Each check prints a short confirmation when the answer is right. When it is wrong it
raises AssertionError with a sentence and a hint, never a traceback from inside lib:
a function that raises, returns None or the wrong shape is described, not re-raised.
Introduced with the exercises of chapter "Sigmoid and the vanishing gradient".
"""

from __future__ import annotations

import numpy as np

from lib import activations


def _call(fn, name, *args):
    if not callable(fn):
        raise AssertionError(f"{name} should be a function, but it is a {type(fn).__name__}.")
    try:
        return fn(*args)
    except Exception as exc:  # a student's bug is feedback, not a crash
        raise AssertionError(
            f"Calling {name}({', '.join(_short(a) for a in args)}) raised "
            f"{type(exc).__name__}: {exc}"
        ) from None


def _short(a):
    if isinstance(a, np.ndarray):
        return f"<array of shape {a.shape}>"
    return repr(a)


def _as_array(value, name, shape):
    if value is None:
        raise AssertionError(f"{name} returned None: did you forget the `return` line?")
    try:
        out = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{name} should return numbers, but returned a {type(value).__name__}."
        ) from None
    if out.shape != shape:
        raise AssertionError(
            f"{name} should return an array of shape {shape} (one value per input), "
            f"but returned shape {out.shape}."
        )
    return out


def _elementwise(fn, name, reference, hint, x):
    # the student's function gets a copy: one that writes into its input must neither
    # fool the reference (computed first) nor garble the points named in the message
    want = reference(x)
    got = _as_array(_call(fn, name, x.copy()), name, x.shape)
    bad = ~np.isclose(got, want, rtol=1e-6, atol=1e-9)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise AssertionError(
            f"{name}({x[i]:g}) gave {got[i]:.6g}, expected {want[i]:.6g} "
            f"({int(bad.sum())} of {x.size} test points wrong). Hint: {hint}"
        )
    return got


def sigmoid_prime(fn) -> None:
    """Check a student's derivative of the sigmoid on a grid from -30 to 30."""
    x = np.linspace(-30, 30, 241)
    _elementwise(
        fn, "sigmoid_prime", activations.sigmoid_prime,
        "the derivative is sigma(x) * (1 - sigma(x)), largest (0.25) at x = 0.", x,
    )
    print("Correct: sigmoid_prime matches sigma(x)(1 - sigma(x)) on 241 points in [-30, 30].")


def gradient_bound(fn) -> None:
    """Check a student's ``gradient_bound(L)``: the factor 0.25**L that L sigmoid layers
    (with weights of norm at most 1) can at most pass back."""
    for L in range(0, 21):
        got = _call(fn, "gradient_bound", L)
        if got is None:
            raise AssertionError("gradient_bound returned None: did you forget the `return` line?")
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise AssertionError(
                f"gradient_bound({L}) should return a number, got a {type(got).__name__}."
            ) from None
        want = 0.25**L
        if not np.isclose(got, want, rtol=1e-9, atol=0):
            raise AssertionError(
                f"gradient_bound({L}) gave {got:.6g}, expected {want:.6g}. Hint: every sigmoid "
                "layer multiplies the gradient by at most max sigma' = 0.25."
            )
    print("Correct: gradient_bound(L) = 0.25**L for L = 0 ... 20.")

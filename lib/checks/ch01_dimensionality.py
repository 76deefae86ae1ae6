"""Checks of the exercises of chapter 1, "The curse of dimensionality, and why CNNs"."""

from __future__ import annotations

import numpy as np

from lib.checks._common import _NONE_HINT, _call, _item, _number, _short, _wrong, check


@check
def first_dim_below(fn) -> None:
    """Check a student's ``first_dim_below(v)``: the smallest dimension d >= 1 at which
    the unit ball's volume pi^(d/2) / Gamma(d/2 + 1) is below v (chapter "The curse of
    dimensionality, and why CNNs")."""
    import math

    def volume(d):
        return math.pi ** (d / 2) / math.gamma(d / 2 + 1)

    def first(v, strict=True):
        d = 1
        while not (volume(d) < v if strict else volume(d) <= v):
            d += 1
        return d

    for v in [3.0, 2.5, 1.0, 0.5, 0.1, 1e-3, 1e-6, 1e-12]:
        call = f"first_dim_below({v})"
        got = _call(fn, "first_dim_below", v)
        want = first(v)
        if got is None:
            raise AssertionError(f"{call} returned None. Hint: {_NONE_HINT}")
        got = _item(got)                       # 13 in an array or a tensor is 13
        if isinstance(got, (float, np.floating)) and np.isfinite(got) and got == int(got):
            got = int(got)                     # 13.0 is the right whole number too
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            raise AssertionError(f"{call} returned {_short(got)}, expected the whole "
                                 f"number {want}. "
                                 "Hint: return the dimension d itself (an int), not the "
                                 "volume.")
        if got == want:
            continue
        if got < 1:
            hint = ("dimensions start at d = 1 (the ball of dimension 1 is the interval "
                    "[-1, 1], of volume 2): start the search there.")
        elif got == want - 1:
            hint = ("that is the last dimension whose volume is still at least v; the "
                    "exercise asks for the first one below it.")
        elif got == want + 1:
            hint = ("the volume is already below v one dimension earlier: start the "
                    "search at d = 1 and stop at the first d with volume < v.")
        elif v > 2 and got > 5:
            hint = (f"the ball's volume at d = 1 is 2, already below {v}: the answer is "
                    "the smallest such d, before the peak at d = 5 as well.")
        else:
            hint = ("try d = 1, 2, 3, ... in turn with the volume pi^(d/2) / "
                    "Gamma(d/2 + 1) (math.gamma) and return the first d below v.")
        raise _wrong(call, got, want, hint)
    print("Correct: first_dim_below(v) for v from 3 down to 1e-12;\n"
          "the unit ball's volume is below 1 from d = 13 on.")


@check
def half_shell_eps(fn) -> None:
    """Check a student's ``half_shell_eps(d)``: the width eps of the shell inside the
    faces of the unit cube [0, 1]^d that holds half its volume, (1 - 2^(-1/d)) / 2
    (chapter "The curse of dimensionality, and why CNNs")."""
    for d in [1, 2, 3, 10, 100, 1000, 10_000]:
        call = f"half_shell_eps({d})"
        got = _number(_call(fn, "half_shell_eps", d), call)
        want = (1 - 0.5 ** (1 / d)) / 2
        if np.isclose(got, want, rtol=1e-4, atol=0):   # a numerical solution passes
            continue
        if np.isclose(got, 1 - 0.5 ** (1 / d), rtol=1e-6, atol=0):
            hint = ("the shell lines both faces of every axis, so the inner cube has side "
                    "1 - 2 eps: divide by 2.")
        elif np.isclose(got, 0.5 ** (1 / d) / 2, rtol=1e-6, atol=0) or np.isclose(
                got, 0.5 ** (1 / d), rtol=1e-6, atol=0):
            hint = ("2^(-1/d) is the side of the inner cube that holds the other half; the "
                    "exercise asks for the shell's width: how much of the side is left "
                    "on each face?")
        elif np.isclose(got, 0.5 / d, rtol=1e-6, atol=0) or np.isclose(
                got, 0.25 / d, rtol=1e-6, atol=0):
            hint = ("the shell's share is 1 - (1 - 2 eps)^d, not linear in eps: solve "
                    "(1 - 2 eps)^d = 1/2 exactly.")
        else:
            hint = ("the inner cube, farther than eps from every face, has volume "
                    "(1 - 2 eps)^d; set it to 1/2 and solve for eps.")
        raise _wrong(call, got, want, hint)
    print("Correct: half_shell_eps(d) = (1 - 2^(-1/d)) / 2 for d from 1 to 10,000;\n"
          "at d = 1 the shell is a quarter of the side on each end.")

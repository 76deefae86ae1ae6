"""Checks of the exercises of chapter 6, "Overfitting and regularisation"."""

from __future__ import annotations

import numpy as np

from lib.checks._common import _call, _floats, _number, _single, _wrong, check


def _curve_cases():
    """(w, x, t) cases for rms_error: Bishop's data and polynomials of several orders."""
    from lib import data, poly

    cases = []
    for n, order, seed in [(10, 3, 0), (10, 9, 1), (15, 0, 2), (100, 1, 3), (1, 2, 4)]:
        curve = data.sine(n=n, seed=seed)
        w = poly.fit(curve.x_train, curve.t_train, order, lam=1e-3)
        cases.append((w, curve.x_test[:n + 7], curve.t_test[:n + 7]))
    cases.append((np.array([0.5, -1.0]), np.array([0.0, 1.0, 2.0]),
                  np.array([0.5, -0.5, -2.0])))                # error 0 except one point
    return cases


@check
def rms_error(fn) -> None:
    """Check a student's ``rms_error(w, x, t)``: Bishop's root-mean-square error
    sqrt(mean((y(x, w) - t)**2)) of the polynomial w[0] + w[1] x + ... (chapter
    "Overfitting and regularisation")."""
    from lib import poly

    for w, x, t in _curve_cases():
        call = f"rms_error(<{w.size} coefficients>, <{x.size} points>, <{t.size} targets>)"
        raw = _call(fn, "rms_error", w.copy(), x.copy(), t.copy())
        got = _number(raw, call)
        want = poly.rms_error(w, x, t)
        mse = want**2
        if np.isclose(got, want, rtol=1e-4 if _single(raw) else 1e-6, atol=1e-12):
            continue
        y_reversed = np.polyval(w, x)                          # highest power first
        if np.isclose(got, mse, rtol=1e-6, atol=1e-12) and not np.isclose(mse, want):
            hint = "that is the mean squared error: take its square root."
        elif np.isclose(got, np.sqrt(2 * 0.5 * np.sum((poly.predict(w, x) - t) ** 2)),
                        rtol=1e-6) and x.size > 1:
            hint = ("that is the root of the sum of squares; divide by the number of "
                    "points N before the square root (E_RMS = sqrt(2 E(w) / N)).")
        elif np.isclose(got, np.sqrt(np.mean((y_reversed - t) ** 2)), rtol=1e-6):
            hint = ("w[0] is the constant term and w[j] multiplies x**j: np.polyval "
                    "expects the highest power first (reverse w, or use the powers "
                    "x**j yourself).")
        else:
            hint = ("evaluate y(x_n) = sum_j w[j] * x_n**j at every point, subtract the "
                    "targets, square, average over the points and take the square root.")
        raise _wrong(call, got, want, hint)
    print("Correct: rms_error = sqrt(mean((y(x, w) - t)**2)), Bishop's E_RMS,\n"
          "on polynomials of order 0 to 9.")


def _ridge_cases():
    """(x, t, order, lam) cases for ridge_fit: Bishop's data, orders 0 to 9, and
    penalties from e^-18 (Bishop's) to 10."""
    from lib import data

    cases = []
    for n, order, lam, seed in [(10, 9, np.exp(-18), 0), (10, 3, 1e-3, 1), (10, 0, 1.0, 2),
                                (15, 9, 1e-6, 3), (5, 9, 0.1, 4), (100, 1, 10.0, 5)]:
        curve = data.sine(n=n, seed=seed)
        cases.append((curve.x_train, curve.t_train, order, float(lam)))
    return cases


@check
def ridge_fit(fn) -> None:
    """Check a student's ``ridge_fit(x, t, M, lam)``: the coefficients
    (Phi^T Phi + lam I)^-1 Phi^T t of the order-M polynomial that minimises Bishop's
    regularised error (eq. 1.4), lowest power first (chapter "Overfitting and
    regularisation")."""
    from lib import poly

    for x, t, order, lam in _ridge_cases():
        call = f"ridge_fit(<{x.size} points>, <{t.size} targets>, {order}, {lam:.3g})"
        raw = _call(fn, "ridge_fit", x.copy(), t.copy(), order, lam)
        got = _floats(raw, call, "return the coefficients as a numpy array.")
        want = poly.fit(x, t, order, lam)
        if got.shape != want.shape:
            raise AssertionError(
                f"{call} returned shape {got.shape}, expected {want.shape}: one "
                f"coefficient per power x**0 to x**{order}. Hint: the matrix Phi has "
                "M + 1 columns, so w has M + 1 entries.")
        scale = np.abs(want).max()
        rtol = 1e-4 if _single(raw) else 1e-6
        if np.allclose(got, want, rtol=rtol, atol=rtol * scale):
            continue
        if np.allclose(got[::-1], want, rtol=1e-6, atol=1e-6 * scale):
            hint = "w[0] is the constant term: return the lowest power first."
        elif any(np.allclose(got, poly.fit(x, t, order, k * lam), rtol=1e-5,
                             atol=1e-5 * scale) for k in (2.0, 0.5)):
            hint = ("the penalty lam/2 ||w||^2 and the halved sum of squares give "
                    "(Phi^T Phi + lam I) w = Phi^T t: the halves cancel, lam is not "
                    "doubled or halved.")
        elif np.allclose(got, poly.fit(x, t, order), rtol=1e-4, atol=1e-4 * scale):
            hint = "that is the fit without a penalty: add lam times the identity."
        else:
            hint = ("build Phi with columns x**0 ... x**M, then solve "
                    "(Phi.T @ Phi + lam * I) w = Phi.T @ t with np.linalg.solve.")
        raise AssertionError(
            f"{call} gave coefficients that differ from the ridge solution by up to "
            f"{np.abs(got - want).max():.3g} (largest coefficient {scale:.3g}). "
            f"Hint: {hint}")
    print("Correct: ridge_fit solves (Phi^T Phi + lam I) w = Phi^T t, for orders 0 to 9\n"
          "and lam from e^-18 to 10.")


def _stopping_cases():
    """(val_loss, patience) cases for early_stopping_epoch: a U-shaped curve with
    noise, a tie, a minimum at epoch 0, a plateau, late dips that patience misses."""
    rng = np.random.default_rng(6)
    epochs = np.arange(60)
    noisy = 1 + (epochs / 20 - 1) ** 2 + 0.05 * rng.standard_normal(60)
    return [
        (noisy, 5), (noisy, 20), (noisy, 1),
        (np.array([1.0, 0.8, 0.7, 0.7, 0.9, 0.6, 1.0, 1.1]), 2),   # tie, then late dip
        (np.array([1.0, 0.8, 0.7, 0.7, 0.9, 0.6, 1.0, 1.1]), 3),
        (np.array([0.5, 0.6, 0.7, 0.8]), 2),                       # best before training
        (np.array([1.0, 0.9, 0.8, 0.7, 0.6]), 3),                  # never stops
        (np.array([2.0, 1.0, 1.0, 1.0, 1.0, 0.5]), 4),             # plateau just long enough
        (np.array([1.0, 0.8, 0.9, 0.95, 0.7, 1.0]), 2),           # a dip one epoch too late
    ]


def _kept(curve, patience, *, strict=True):
    """The epoch early stopping keeps; ``strict=False`` counts a tie as a new best (a
    mistake the hints name)."""
    best = 0
    for epoch in range(1, curve.size):
        if curve[epoch] < curve[best] or (not strict and curve[epoch] == curve[best]):
            best = epoch
        elif epoch - best >= patience:
            break
    return best


_STOP_TIE = "on a tie keep the first epoch: only a strictly lower loss is new."
_STOP_INDEX = ("off by one: entry 0 of val_loss is measured before training, so the "
               "index of an entry is its epoch.")


@check
def early_stopping_epoch(fn) -> None:
    """Check a student's ``early_stopping_epoch(val_loss, patience)``: the epoch of the
    best (lowest, first if tied) validation loss seen before ``patience`` epochs in a
    row fail to improve on it (chapter "Overfitting and regularisation").

    The student's function is called on every case first, so that a mistake is named
    by the answers it gives on all of them: on one curve, keeping the last of tied
    epochs, stopping one epoch late and taking the lowest loss of the whole curve can
    give the same wrong epoch."""
    from lib import train

    cases = _stopping_cases()
    calls = [f"early_stopping_epoch(<{curve.size} losses>, {patience})"
             for curve, patience in cases]
    got = [_number(_call(fn, "early_stopping_epoch", curve.copy(), patience), call)
           for (curve, patience), call in zip(cases, calls)]
    want = [train.early_stopping_epoch(curve, patience) for curve, patience in cases]
    wrong = [k for k in range(len(cases)) if got[k] != want[k]]
    if not wrong:
        print("Correct: early_stopping_epoch keeps the first best epoch and stops after\n"
              "`patience` epochs without a strictly lower validation loss.")
        return
    k = wrong[0]
    curve, g, w = cases[k][0], got[k], want[k]
    stopped = [min(b + p, c.size - 1) for (c, p), b in zip(cases, want)]
    mistakes = [   # (the answers a mistake gives on every case, its hint)
        ([_kept(c, p, strict=False) for c, p in cases], _STOP_TIE),
        ([_kept(c, p + 1) for c, p in cases],
         "you stop one epoch late: training ends as soon as `patience` epochs in a row "
         "bring no new best (the current epoch minus the best one reaches `patience`)."),
        ([int(np.argmin(c)) for c, _ in cases],
         "that is the lowest loss of the whole curve; with patience, training stops "
         "after `patience` epochs without a new best and never sees the later epochs."),
        (stopped, "that is the epoch where training stops; early stopping keeps the "
                  "weights of the best epoch before it."),
        ([b + 1 for b in want], _STOP_INDEX),
        ([b - 1 for b in want], _STOP_INDEX),
    ]
    if not np.isfinite(g) or g != int(g):
        hint = "return the epoch itself, a whole number, not a loss."
    else:
        named = [hint for answers, hint in mistakes if answers == got]
        if named:
            hint = named[0]
        elif g == stopped[k]:
            hint = mistakes[3][1]
        elif abs(g - w) == 1:
            hint = _STOP_INDEX
        elif w < g < curve.size and curve[int(g)] == curve[w]:
            hint = _STOP_TIE
        else:
            hint = ("walk through the epochs keeping the best loss so far and its epoch; "
                    "stop when the current epoch is `patience` epochs past the best.")
    raise AssertionError(f"{calls[k]} gave {g:g}, expected {w}. Hint: {hint}")

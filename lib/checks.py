"""Checks that the chapters' exercise cells call.

Each check prints a short confirmation when the answer is right. When it is wrong it
raises AssertionError with a sentence and a hint, never a traceback from inside lib:
a function that raises, returns None or the wrong shape is described, not re-raised.
Introduced with the exercises of chapter "Sigmoid and the vanishing gradient".
"""

from __future__ import annotations

import functools

import numpy as np

from lib import activations


def _friendly(check):
    """Decorate every public check with this: a failure reaches the notebook as one
    AssertionError raised here, so the student (and nbgrader's feedback) sees a three-line
    traceback ending in the sentence, not the frames of lib's helpers."""

    @functools.wraps(check)
    def run(fn, *args, **kwargs):
        __tracebackhide__ = True  # pytest and IPython's debugger skip this frame
        try:
            return check(fn, *args, **kwargs)
        except AssertionError as exc:
            message = str(exc)
        raise AssertionError(message) from None

    return run


def _call(fn, name, *args):
    """Call a student's function; any way it fails becomes a sentence with a hint."""
    if not callable(fn):
        raise AssertionError(
            f"{name} should be a function, but it is a {type(fn).__name__}. Hint: define "
            f"it with `def {name}(...):` and pass the function itself, without calling it."
        )
    call = f"{name}({', '.join(_short(a) for a in args)})"
    try:
        return fn(*args)
    except NotImplementedError:  # nbgrader's stub: the answer cell is still empty
        raise AssertionError(
            f"{name} is not written yet: calling {call} raised NotImplementedError. "
            "Hint: in its answer cell, replace `raise NotImplementedError()` with your "
            "code, run that cell, then this one again."
        ) from None
    except Exception as exc:  # a student's bug is feedback, not a crash
        if "truth value of an array" in str(exc):  # Python's max, if or and on an array
            hint = ("Python's max, `if` and `and` look at a whole array at once; numpy "
                    "works element by element: np.maximum(x, 0), np.where(x > 0, a, b), "
                    "(x > 0) & (x < 1).")
        else:
            hint = (f"call {name} yourself on a small example and read the error; the "
                    "exercise says which arguments it receives.")
        raise AssertionError(
            f"Calling {call} raised {type(exc).__name__}: {exc}. Hint: {hint}"
        ) from None


_NONE_HINT = "did you forget the `return` line? A function that only prints returns None."


def _short(a):
    if isinstance(a, np.ndarray):
        return f"<array of shape {a.shape}>"
    if isinstance(a, int) and abs(a) >= 10**15:
        return f"<a whole number of {len(str(abs(a)))} digits>"
    return repr(a)


def _plain(value, depth=0):
    """A student's answer with every torch tensor in it (one that requires grad too)
    turned into a numpy array, so that numpy can read it."""
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu()
        return value.double().numpy() if value.is_floating_point() else value.numpy()
    if isinstance(value, (list, tuple)) and depth < 4:
        return [_plain(v, depth + 1) for v in value]
    return value


def _floats(value, call, hint="return the numpy array you computed, not text or a dict."):
    """A student's answer as a float array, or an AssertionError saying what it is.

    The one door every answer goes through: numbers in any reasonable container (a
    Python or numpy number, a list, a numpy array, a torch tensor, one that requires
    grad included, float32 too) come out as float64; text, a dict, complex numbers or a
    number too large for a float (10**400) get a sentence with a hint, never an
    exception of another type."""
    if value is None:
        raise AssertionError(f"{call} returned None. Hint: {_NONE_HINT}")

    def wrong(what):
        return AssertionError(f"{call} should return numbers, but returned {what}. "
                              f"Hint: {hint}")

    if isinstance(value, (str, bytes)):
        raise AssertionError(
            f"{call} should return numbers, but returned a {type(value).__name__}, text "
            f"({value!r:.60}). Hint: return the number itself, not a string.")
    try:
        out = np.asarray(_plain(value))
    except Exception:  # ragged lists, objects whose conversion fails
        raise wrong(f"a {type(value).__name__} that is not an array of numbers of one "
                    "shape") from None
    if out.dtype.kind in "US" or (out.dtype.kind == "O" and any(
            isinstance(v, (str, bytes)) for v in out.flat)):
        raise AssertionError(
            f"{call} should return numbers, but returned text (numbers written as "
            "strings). Hint: return the numbers themselves, not strings.")
    if out.dtype.kind == "c" or (out.dtype.kind == "O" and any(
            isinstance(v, complex) for v in out.flat)):
        raise wrong("complex numbers")
    try:
        return out.astype(np.float64)
    except OverflowError:
        raise wrong("an integer too large for a float (more than about 1.8e308)") from None
    except Exception:
        raise wrong(f"a {type(value).__name__}") from None


def _as_array(value, name, shape):
    out = _floats(value, name)
    if out.shape != shape:
        raise AssertionError(
            f"{name} should return an array of shape {shape} (one value per input), "
            f"but returned shape {out.shape}. Hint: compute it element by element with "
            "numpy operations on the whole array x, without a sum or a loop that keeps "
            "one value."
        )
    return out


def _single(raw) -> bool:
    """Whether a student's answer is in single (or half) precision: numpy or torch."""
    return str(getattr(raw, "dtype", "")).endswith(("float32", "float16", "bfloat16"))


def _elementwise(fn, name, reference, hint, x):
    # the student's function gets a copy: one that writes into its input must neither
    # fool the reference (computed first) nor garble the points named in the message
    want = reference(x)
    raw = _call(fn, name, x.copy())
    # single precision carries about 7 digits: an answer in float32 is judged by them
    single = _single(raw)
    got = _as_array(raw, name, x.shape)
    bad = ~np.isclose(got, want, rtol=1e-4 if single else 1e-6, atol=1e-9)
    if bad.any():
        i = int(np.argmax(np.where(bad, np.abs(got - want), -1.0)))  # the worst point
        raise AssertionError(
            f"{name}({x[i]:g}) gave {got[i]:.8g}, expected {want[i]:.8g} (the largest "
            f"error; {int(bad.sum())} of {x.size} test points wrong). Hint: {hint}"
        )
    return got


@_friendly
def sigmoid_prime(fn) -> None:
    """Check a student's derivative of the sigmoid on a grid from -30 to 30."""
    x = np.linspace(-30, 30, 241)
    _elementwise(
        fn, "sigmoid_prime", activations.sigmoid_prime,
        "the derivative is sigma(x) * (1 - sigma(x)), largest (0.25) at x = 0.", x,
    )
    print("Correct: sigmoid_prime(x) = sigma(x)(1 - sigma(x)) at 241 points in [-30, 30].")


@_friendly
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
            raise AssertionError(
                f"{call} gave {got:.6g}, expected {1 / slope:.6g}. Hint: with Xavier's "
                "weights a square layer stretches a signal by about 1; the unit then "
                "multiplies it by its slope. Which gain makes the product 1?"
            )
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


# ---------------------------------------------------------------- the ReLU chapter

#: Where relu and relu_prime are tested: a grid through 0, zero itself, tiny and huge
#: numbers of both signs (206 points).
_RELU_POINTS = np.concatenate([np.linspace(-5, 5, 201), [0.0, 1e-300, -1e-300, 1e6, -1e6]])


@_friendly
def relu(fn) -> None:
    """Check a student's ``relu(x)`` (chapter "The rectified linear unit")."""
    _elementwise(
        fn, "relu", activations.relu,
        "relu(x) is max(0, x): x itself where x > 0 and 0 everywhere else.",
        _RELU_POINTS,
    )
    print(f"Correct: relu matches max(0, x) on {_RELU_POINTS.size} points, zero included.")


@_friendly
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


def _number(value, call):
    """A student's answer as one float, or an AssertionError that says what is wrong.
    One number in a list, array or tensor of one element passes too."""
    if isinstance(value, (list, tuple)) and len(value) != 1 or isinstance(value, dict):
        raise AssertionError(
            f"{call} should return a single number, but returned a "
            f"{type(value).__name__} of {len(value)} items. Hint: reduce your result to "
            "one number (a count, a mean) before returning it.")
    out = _floats(value, call, "return the number itself, not text or a dict.")
    if out.size != 1:
        raise AssertionError(
            f"{call} should return a single number, but returned a "
            f"{type(value).__name__} of shape {out.shape}. Hint: reduce your result to one "
            "number (a count, a mean) before returning it."
        )
    return float(out.reshape(()))


def _item(value):
    """A one-element array, tensor or list as its Python number (an int stays an int);
    anything else as it is."""
    try:
        out = np.asarray(_plain(value))
    except Exception:
        return value
    if out.size == 1 and out.dtype.kind in "biuf":
        return out.reshape(()).item()
    return value


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


@_friendly
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
            raise AssertionError(
                f"For {name} ({shown}), count_pieces gave {got:g}, expected {want}. "
                f"Hint: {hint}"
            )
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


@_friendly
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
            raise AssertionError(
                f"For {name}, predicted_sparsity gave {got:.6g}, expected {want:.6g}. "
                f"Hint: {hint}"
            )
    print(f"Correct: predicted_sparsity matches the mean of Phi(-b_j / ||W_j||) on "
          f"{len(cases)} layers.")


#: The fan-ins the He-variance check tries.
_FAN_INS = (1, 3, 64, 512)
#: The negative slopes he_variance tries: the ReLU, Maas et al.'s 0.01, PReLU's start.
_HE_SLOPES = (0.0, 0.01, 0.25)


@_friendly
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
            raise AssertionError(
                f"{call} gave {got:.6g}, expected {want:.6g}. Hint: {hint}"
            )
    print(f"Correct: he_variance is right for {len(_FAN_INS)} layer widths and "
          f"{len(_HE_SLOPES)} slopes, 0 (the ReLU) included.")


# ---------------------------------------------------------------- the dying-ReLU chapter

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


@_friendly
def leaky_relu(fn) -> None:
    """Check a student's ``leaky_relu(x, slope=0.01)`` (chapter "Dying ReLUs")."""
    _leaky(fn, "leaky_relu", activations.leaky_relu,
           "at x = 0 both branches give 0.")
    print(f"Correct: leaky_relu matches max(x, slope * x) on {_RELU_POINTS.size} points "
          f"for slopes {', '.join(f'{s:g}' for s in _LEAKY_SLOPES)}, and slope defaults "
          "to 0.01.")


@_friendly
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


@_friendly
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
            raise AssertionError(
                f"For {name} (shape {pre.shape}), count_dead gave {got:g}, expected "
                f"{want}. Hint: {hint}")
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


@_friendly
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


# ---------------------------------------------------------------- the convolution chapter

#: (i, k, s, p) cases for output_size: Dumoulin & Visin's seven, then strides that do
#: not divide evenly, kernels that fill the padded input, and long inputs.
_SIZE_CASES = [(4, 3, 1, 0), (5, 4, 1, 2), (5, 3, 1, 1), (5, 3, 1, 2), (5, 3, 2, 0),
               (5, 3, 2, 1), (6, 3, 2, 1), (7, 2, 3, 0), (10, 3, 4, 1), (8, 5, 3, 2),
               (5, 5, 1, 0), (1, 3, 2, 1), (224, 7, 2, 3), (213, 3, 2, 1), (32, 4, 5, 0)]


@_friendly
def output_size(fn) -> None:
    """Check a student's ``output_size(i, k, s, p)``: the output length of a convolution
    with input length i, kernel k, stride s and zero padding p (chapter "Convolution,
    strides and zero padding")."""
    from lib import conv

    for i, k, s, p in _SIZE_CASES:
        call = f"output_size({i}, {k}, {s}, {p})"
        got = _number(_call(fn, "output_size", i, k, s, p), call)
        want = conv.output_size(i, k, s, p)
        if got == want:
            continue
        if got == (i + 2 * p - k) / s + 1:
            hint = ("a window must fit entirely: round (i + 2p - k) / s down before "
                    "adding 1 (Python's // does that for positive numbers).")
        elif got == -(-(i + 2 * p - k) // s) + 1:
            hint = "round (i + 2p - k) / s down, not up: a window must fit entirely."
        elif got == i + 2 * p - k + 1:
            hint = "the stride s is missing: the window moves s positions at a time."
        elif got == (i - k) // s + 1:
            hint = "the padding p is missing: the padded input has i + 2p positions."
        elif got == (i + p - k) // s + 1:
            hint = "the padding p is added on both sides: the padded length is i + 2p."
        elif abs(got - want) == 1:
            hint = ("count the positions of the window's first pixel: 0, s, 2s, ... up "
                    "to i + 2p - k.")
        else:
            hint = ("the padded input has i + 2p positions; the window's first pixel "
                    "can sit at 0, s, 2s, ... as long as the whole window fits.")
        raise AssertionError(f"{call} gave {got:g}, expected {want}. Hint: {hint}")
    print(f"Correct: output_size matches torch.nn.Conv2d in all {len(_SIZE_CASES)} "
          "cases\n(Dumoulin & Visin's seven included).")


def _conv_cases():
    generic = np.random.default_rng(7)
    shapes = [((5, 5), (3, 3), 1, 0), ((6, 7), (3, 3), 2, 1), ((5, 6), (2, 2), 1, 1),
              ((7, 7), (3, 3), 3, 0), ((4, 5), (1, 1), 2, 0), ((6, 6), (2, 3), 2, 2),
              ((9, 8), (5, 5), 1, 2), ((3, 3), (3, 3), 1, 0)]
    return [(generic.normal(size=x).round(1), generic.normal(size=w).round(1), s, p)
            for x, w, s, p in shapes]


@_friendly
def conv2d(fn) -> None:
    """Check a student's ``conv2d(image, kernel, stride, padding)`` for one channel
    (2-D numpy arrays), against lib.conv.conv2d, which equals torch's F.conv2d
    (chapter "Convolution, strides and zero padding")."""
    from lib import conv

    cases = _conv_cases()
    for x, w, s, p in cases:
        call = f"conv2d(<{x.shape[0]} x {x.shape[1]} image>, " \
               f"<{w.shape[0]} x {w.shape[1]} kernel>, stride={s}, padding={p})"
        want = conv.conv2d(x, w, stride=s, padding=p)
        result = _call(fn, "conv2d", x.copy(), w.copy(), s, p)
        got = _floats(result, call, "collect the outputs in np.zeros((H_out, W_out)) and "
                      "return that array.")
        if got.shape != want.shape:
            if p and got.shape == conv.conv2d(x, w, stride=s).shape:
                hint = ("the padding is missing: add p rows and columns of zeros on "
                        "every side first (np.pad(image, p)).")
            elif s > 1 and got.shape == conv.conv2d(x, w, padding=p).shape:
                hint = ("the stride is missing: the window moves `stride` pixels at a "
                        "time, so output (r, c) reads the window at (r * stride, "
                        "c * stride).")
            else:
                hint = ("each side has output_size(H, kh, stride, padding) outputs, "
                        "(H + 2 padding - kh) // stride + 1.")
            raise AssertionError(f"{call} returned shape {got.shape}, expected "
                                 f"{want.shape}. Hint: {hint}")
        # single precision carries about 7 digits: a float32 answer is judged by them
        single = _single(result)
        tol = 1e-5 if single else 1e-9
        if np.allclose(got, want, rtol=tol, atol=tol):
            continue
        flipped = conv.conv2d(x, w[::-1, ::-1], stride=s, padding=p)
        if np.allclose(got, flipped, rtol=tol, atol=tol):
            hint = ("you flipped the kernel. That is convolution as mathematicians "
                    "define it; convolutional layers (torch's F.conv2d, this chapter's "
                    "conv2d) slide the kernel as it is: a cross-correlation.")
        else:
            r, c = np.argwhere(~np.isclose(got, want, rtol=tol, atol=tol))[0]
            kh, kw = w.shape
            hint = (f"output ({r}, {c}) is the sum of kernel * the window of the padded "
                    f"image at rows {r * s}:{r * s + kh}, columns {c * s}:{c * s + kw}; "
                    f"you gave {got[r, c]:.8g}, expected {want[r, c]:.8g}.")
        raise AssertionError(f"{call} gives wrong values. Hint: {hint}")
    print(f"Correct: conv2d equals torch's F.conv2d on {len(cases)} images,\n"
          "with kernels, strides and paddings of several sizes.")


@_friendly
def same_padding(fn) -> None:
    """Check a student's ``same_padding(k)``: the zero padding that keeps the output as
    large as the input for an odd kernel k and stride 1 (chapter "Convolution, strides
    and zero padding")."""
    for k in range(1, 16, 2):
        raw = _call(fn, "same_padding", k)
        got = _number(raw, f"same_padding({k})")
        want = (k - 1) // 2
        whole = _item(raw)  # an int in a 0-d array or tensor is an int too
        if got == want and (isinstance(whole, bool) or not isinstance(whole, int)):
            raise AssertionError(
                f"same_padding({k}) gave {got:g} as a {type(raw).__name__}, expected the "
                f"whole number {want}. Hint: a number of rows is a whole number: use //, "
                "as np.pad and output_size need an int.")
        if got == want:
            continue
        if got == k - 1:
            hint = ("k - 1 is 'full' padding: every window that touches the input, so "
                    "the output grows to i + k - 1.")
        elif got == k / 2:
            hint = "k / 2 is not a whole number of rows for an odd k."
        elif got == k // 2 + 1:
            hint = "one row too many: the output would grow by 2."
        else:
            hint = ("with stride 1 the output has i + 2p - k + 1 positions; solve "
                    "i + 2p - k + 1 = i for p.")
        raise AssertionError(f"same_padding({k}) gave {got:g}, expected {want}. "
                             f"Hint: {hint}")
    print("Correct: same_padding(k) = (k - 1) // 2 keeps the size\n"
          "for every odd k from 1 to 15.")


# ------------------------------------------------ "The curse of dimensionality" (ch. 1)
@_friendly
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
        raise AssertionError(f"{call} gave {_short(got)}, expected {want}. Hint: {hint}")
    print("Correct: first_dim_below(v) for v from 3 down to 1e-12;\n"
          "the unit ball's volume is below 1 from d = 13 on.")


@_friendly
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
        raise AssertionError(f"{call} gave {got:.6g}, expected {want:.6g}. Hint: {hint}")
    print("Correct: half_shell_eps(d) = (1 - 2^(-1/d)) / 2 for d from 1 to 10,000;\n"
          "at d = 1 the shell is a quarter of the side on each end.")

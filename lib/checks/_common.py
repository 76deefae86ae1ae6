"""The helpers every chapter's checks share, and the decorator that makes a check.

A check takes a student's answer (usually a function) and either prints a short
confirmation or raises AssertionError with a sentence and a hint. The helpers here turn
whatever a student's function does (raise, return None, text, a tensor, the wrong
shape) into such a sentence; ``check`` makes sure the notebook then shows one short
frame, not the frames of these helpers.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import numpy as np

#: Every exercise check, by the name a chapter's check cell calls (``checks.NAME``).
#: Each one's ``__module__`` is its chapter's module (``lib.checks.ch04_relu``).
REGISTRY: dict[str, Callable] = {}


def check(function: Callable) -> Callable:
    """Make ``function`` an exercise check and register it in ``REGISTRY``.

    A failure then reaches the notebook as one AssertionError raised here, so the
    student (and nbgrader's feedback) sees a three-line traceback ending in the
    sentence, not the frames of lib's helpers. The name is what a check cell calls
    (``checks.NAME``), so it is public and belongs to one chapter's module; defining
    it again in the same module (``importlib.reload``) replaces it."""
    if not inspect.isfunction(function):
        raise TypeError("check: function must be a function defined with def, got "
                        f"{type(function).__name__} {function!r:.60}")
    name = function.__name__
    if name.startswith("_") or not name.isidentifier():
        raise ValueError(f"check: function {name!r} cannot be a check: a check cell calls "
                         "it as checks.NAME, so its name is public (no leading _, no "
                         "lambda)")
    known = REGISTRY.get(name)
    if known is not None and known.__module__ != function.__module__:
        raise ValueError(f"check: function {name!r} of {function.__module__} is already a "
                         f"check of {known.__module__}; chapters call checks by name, so "
                         "each name belongs to one chapter")

    @functools.wraps(function)
    def run(fn, *args, **kwargs):
        __tracebackhide__ = True  # pytest and IPython's debugger skip this frame
        try:
            return function(fn, *args, **kwargs)
        except AssertionError as exc:
            message = str(exc)
        raise AssertionError(message) from None

    REGISTRY[name] = run
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


def _wrong(call, got, want, hint) -> AssertionError:
    """The error for a wrong answer: "CALL gave GOT, expected WANT. Hint: HINT". Numbers
    are shown to 6 significant digits, whole numbers (int) in full, text as it is."""
    return AssertionError(f"{call} gave {_shown(got)}, expected {_shown(want)}. Hint: {hint}")


def _shown(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _short(value)
    return f"{value:.6g}"


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


#: Where relu-like functions are tested (chapters 4 and 5): a grid through 0, zero
#: itself, tiny and huge numbers of both signs (206 points).
_RELU_POINTS = np.concatenate([np.linspace(-5, 5, 201), [0.0, 1e-300, -1e-300, 1e6, -1e6]])

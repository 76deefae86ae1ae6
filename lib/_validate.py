"""Argument checks shared by lib's public functions.

Every error names the argument and what is allowed, so a student's wrong call gets a
sentence rather than a stack of internals. The same checks hold whatever the container:
numbers may come as Python, numpy or 0-d torch scalars, arrays as lists, numpy arrays
or torch tensors (one that requires grad included), and a number too large for a float
(``10**400``) is refused by name rather than with an OverflowError.
"""

from __future__ import annotations

import numbers

import numpy as np


def _scalar(value):
    """A 0-d numpy array or torch tensor as its Python number; anything else as is."""
    if type(value).__module__.startswith("torch") and hasattr(value, "dim"):
        if value.dim() == 0 and not value.is_complex():
            return value.detach().item()
    elif isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def real(name: str, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a float after checking it is a finite real number in range."""
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:  # an int such as 10**400
        raise ValueError(f"{name} must be a finite number, got one too large for a float "
                         f"({_digits(value)} digits)") from None
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def _digits(value) -> int:
    return len(str(abs(int(value)))) if abs(int(value)) < 10**4000 else 4000


def _show(value) -> str:
    """An integer for a message: in full when short, else by its number of digits."""
    return str(value) if abs(value) < 10**15 else f"a number of {_digits(value)} digits"


def integer(name: str, value, *, low=None, high=None):
    """Return ``value`` as an int after checking it is a whole number in range."""
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {_show(value)}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {_show(value)}")
    return value


def boolean(name: str, value) -> bool:
    """Check that ``value`` is True or False (numpy's bool too); return it as a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def choice(name: str, value, allowed):
    """Check that ``value`` is one of the strings in ``allowed``."""
    allowed = list(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {allowed}, got {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def array(name: str, value, *, finite=False, nonempty=False) -> np.ndarray:
    """Return ``value`` as a float numpy array; refuse strings, objects and non-numbers.

    A torch tensor is read as it is, also when it requires grad. ``finite`` refuses NaN
    and infinity, ``nonempty`` an array without any entry.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be a number or an array of numbers, got {type(value).__name__}"
        )
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu()
        if value.dtype.is_complex:
            raise TypeError(f"{name} must hold real numbers, got complex values")
        value = value.numpy()
    try:
        out = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a number or an array of numbers ({exc})") from None
    if out.dtype == object and out.size and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in out.flat):
        raise ValueError(f"{name} must hold finite numbers, got an integer too large for "
                         "a float")
    if out.dtype == bool or not np.issubdtype(out.dtype, np.number):
        raise TypeError(f"{name} must hold numbers, got an array of {out.dtype}")
    if np.iscomplexobj(out):
        raise TypeError(f"{name} must hold real numbers, got complex values")
    out = out.astype(np.float64, copy=False)
    if nonempty and out.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {out.shape}")
    if finite and not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must hold finite numbers, got NaN or infinity")
    return out


def callable_(name: str, value, what: str):
    """Check that ``value`` can be called; ``what`` says what it should be."""
    if not callable(value):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    return value

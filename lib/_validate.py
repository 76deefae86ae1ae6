"""Argument checks shared by lib's public functions.

Every error names the argument and what is allowed, so a student's wrong call gets a
sentence rather than a stack of internals.
"""

from __future__ import annotations

import numbers

import numpy as np


def real(name: str, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a float after checking it is a finite real number in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def integer(name: str, value, *, low=None, high=None):
    """Return ``value`` as an int after checking it is a whole number in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def choice(name: str, value, allowed):
    """Check that ``value`` is one of the strings in ``allowed``."""
    allowed = list(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {allowed}, got {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def array(name: str, value) -> np.ndarray:
    """Return ``value`` as a float numpy array; refuse strings, objects and non-numbers."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be a number or an array of numbers, got {type(value).__name__}"
        )
    try:
        out = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a number or an array of numbers ({exc})") from None
    if out.dtype == bool or not np.issubdtype(out.dtype, np.number):
        raise TypeError(f"{name} must hold numbers, got an array of {out.dtype}")
    if np.iscomplexobj(out):
        raise TypeError(f"{name} must hold real numbers, got complex values")
    return out.astype(np.float64, copy=False)

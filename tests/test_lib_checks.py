"""lib.checks: a right answer is confirmed, a wrong one gets a sentence and a hint, and no
student mistake escapes as another exception type."""

import math

import numpy as np
import pytest

from lib import checks


def _right_sigmoid_prime(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s)


def _right_gradient_bound(L):
    return 0.25**L


def _expect_assertion(check, fn):
    """Run a check that must fail; return its message."""
    try:
        check(fn)
    except AssertionError as exc:
        message = str(exc)
    else:
        pytest.fail(f"{check.__name__} accepted a wrong answer")
    assert message.strip()
    assert "Traceback" not in message
    return message


# ---------------------------------------------------------------- sigmoid_prime


def test_sigmoid_prime_right_answer_confirmed(capsys):
    checks.sigmoid_prime(_right_sigmoid_prime)
    out = capsys.readouterr().out
    assert out.startswith("Correct")
    assert "sigmoid_prime" in out


def test_sigmoid_prime_accepts_other_correct_forms(capsys):
    checks.sigmoid_prime(lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2)
    checks.sigmoid_prime(lambda x: [math.exp(-v) / (1 + math.exp(-v)) ** 2 for v in x])
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x: 1 / (1 + np.exp(-x)),  # sigma, not its derivative
        lambda x: np.exp(-x) / (1 + np.exp(-x)),  # 1 - sigma
        lambda x: np.full_like(x, 0.25),  # the maximum everywhere
        lambda x: _right_sigmoid_prime(x) * 1.01,  # off by 1%
        lambda x: np.where(x == 0, 0.0, _right_sigmoid_prime(x)),  # wrong at one point
        lambda x: np.full_like(x, np.nan),
    ],
    ids=["sigma", "one-minus-sigma", "constant", "one-percent", "one-point", "nan"],
)
def test_sigmoid_prime_wrong_answer_has_hint(wrong, capsys):
    message = _expect_assertion(checks.sigmoid_prime, wrong)
    assert "Hint" in message
    assert "Correct" not in capsys.readouterr().out


def test_sigmoid_prime_wrong_at_one_point_names_it():
    message = _expect_assertion(
        checks.sigmoid_prime, lambda x: np.where(x == 0, 0.0, _right_sigmoid_prime(x))
    )
    assert "1 of 241" in message
    assert "sigmoid_prime(0)" in message


def test_sigmoid_prime_cannot_be_fooled_by_changing_its_input():
    def cheat(x):
        x[:] = 0.0  # makes the reference 0.25 everywhere
        return np.full_like(x, 0.25)

    assert "Hint" in _expect_assertion(checks.sigmoid_prime, cheat)


def test_sigmoid_prime_right_answer_that_works_in_place(capsys):
    def in_place(x):
        x[:] = 1 / (1 + np.exp(-x))
        return x * (1 - x)

    checks.sigmoid_prime(in_place)
    assert "Correct" in capsys.readouterr().out


# ---------------------------------------------------------------- gradient_bound


def test_gradient_bound_right_answer_confirmed(capsys):
    checks.gradient_bound(_right_gradient_bound)
    out = capsys.readouterr().out
    assert out.startswith("Correct")
    assert "gradient_bound" in out


def test_gradient_bound_accepts_numpy_and_other_forms(capsys):
    checks.gradient_bound(lambda L: np.float64(0.25) ** L)
    checks.gradient_bound(lambda L: 1 / 4**L)
    checks.gradient_bound(lambda L: np.prod([0.25] * L))
    assert capsys.readouterr().out.count("Correct") == 3


@pytest.mark.parametrize(
    "wrong",
    [
        lambda L: 0.25 * L,
        lambda L: 0.5**L,
        lambda L: 0.25 ** (L + 1),  # off by one layer
        lambda L: 1.0,
        lambda L: 0.25**L if L < 20 else 0.0,  # wrong only at the last depth
        lambda L: float("nan"),
    ],
    ids=["product-not-power", "half", "off-by-one", "one", "last-depth", "nan"],
)
def test_gradient_bound_wrong_answer_has_hint(wrong, capsys):
    message = _expect_assertion(checks.gradient_bound, wrong)
    assert "Hint" in message
    assert "0.25" in message
    assert "Correct" not in capsys.readouterr().out


# ---------------------------------------------------------------- broken answers


def _raises(*args):
    raise ZeroDivisionError("division by zero")


def _returns_none(*args):
    return None


def _prints_only(*args):
    print("the answer is 0.25")


@pytest.mark.parametrize("check", [checks.sigmoid_prime, checks.gradient_bound])
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (_raises, ["raised", "ZeroDivisionError", "division by zero"]),
        (lambda: 0.25, ["raised", "TypeError"]),  # forgot the parameter
        (lambda x: undefined_name, ["raised", "NameError"]),  # noqa: F821
        (_returns_none, ["None", "return"]),
        (_prints_only, ["None", "return"]),
        (lambda x: "0.25 is the answer", ["number"]),
        (lambda x: {"value": 0.25}, ["number"]),
        (0.25, ["function", "float"]),
        ("sigmoid_prime", ["function", "str"]),
        (None, ["function", "NoneType"]),
        (np.zeros(3), ["function", "ndarray"]),
    ],
    ids=["raises", "no-parameter", "name-error", "none", "prints", "string", "dict",
         "number", "string-not-function", "none-not-function", "array-not-function"],
)
def test_broken_answers_get_a_sentence(check, answer, words):
    message = _expect_assertion(check, answer)
    for word in words:
        assert word in message, (word, message)
    # a sentence that names the student's function, not a bare repr of an error
    assert check.__name__ in message or "function" in message, message
    assert len(message.split()) >= 5, message


@pytest.mark.parametrize(
    "wrong_shape",
    [
        lambda x: 0.25,  # a single number
        lambda x: _right_sigmoid_prime(x)[:-1],  # one value short
        lambda x: _right_sigmoid_prime(x).reshape(1, -1),  # 2-D
        lambda x: np.stack([x, x]),
    ],
    ids=["scalar", "short", "2-D", "stacked"],
)
def test_sigmoid_prime_wrong_shape(wrong_shape):
    message = _expect_assertion(checks.sigmoid_prime, wrong_shape)
    assert "shape" in message
    assert "(241,)" in message


@pytest.mark.parametrize(
    "wrong_shape",
    [lambda L: np.full(2, 0.25**L), lambda L: [0.25**L, 0.0], lambda L: np.zeros((3, 3))],
    ids=["array", "list", "matrix"],
)
def test_gradient_bound_wrong_shape(wrong_shape):
    message = _expect_assertion(checks.gradient_bound, wrong_shape)
    assert "number" in message


def test_gradient_bound_is_called_with_every_depth():
    depths = []

    def spy(L):
        depths.append(L)
        return 0.25**L

    checks.gradient_bound(spy)
    assert depths == list(range(21))
    assert all(type(L) is int for L in depths)
